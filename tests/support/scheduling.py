"""Factories for scheduling and invitation tests: mediation cases with a mediator, joined parties, lawyers, times."""

from __future__ import annotations

import datetime as dt
import itertools

from app.cases.models import Case, CaseAgent, CaseParty
from app.extensions import db
from app.identity.models import User
from app.utils import clock
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_org, make_user

MP = "/api/mp/v1"
_phones = itertools.count(10_000_001)


def phone() -> str:
    """A fresh mainland mobile number (users' phones are unique)."""
    return f"139{next(_phones):08d}"


def person(name: str | None = None, **kwargs) -> User:
    """A user with a phone (and a verified real name when `name` is given)."""
    return make_user(real_name=name, phone=phone(), **kwargs)


def mediator(org=None, *, name: str = "王调解") -> User:
    """A user who mediates for `org` (a new organisation by default)."""
    user = person(name)
    grant(user, role="mediator", org=org or make_org())
    return user


def mediation_case(
    *, mediator_user: User | None = None, filer: User | None = None, status: str = "mediator_accepted", **overrides
) -> Case:
    """A mediation case filed by `filer`, with `mediator_user` as its mediator (set directly) in `status`."""
    org = make_org()
    case = file_case(filer or person("张三"), org=org, **overrides)
    case.mediator_user_id = (mediator_user or mediator(org)).id
    case.status = status
    db.session.commit()
    return case


def join(case: Case, user: User, *, role: str = "respondent") -> CaseParty:
    """Bind `user` to the case's first unjoined party of `role` (or add one)."""
    party = db.session.query(CaseParty).filter_by(case_id=case.id, role=role, user_id=None).first()
    if party is None:
        party = CaseParty(case_id=case.id, role=role, name=user.real_name or "某人")
        db.session.add(party)
    party.user_id, party.joined_at = user.id, clock.now()
    party.name = user.real_name or party.name  # as an invitation would only bind the person of that name
    db.session.commit()
    return party


def add_lawyer(case: Case, lawyer: User, *, role: str = "respondent") -> CaseAgent:
    """An active agent (power of attorney recorded) for the case's party of `role`."""
    party = db.session.query(CaseParty).filter_by(case_id=case.id, role=role).first()
    agent = CaseAgent(
        case_id=case.id, party_id=party.id, lawyer_user_id=lawyer.id, authority="general", status="active"
    )
    db.session.add(agent)
    db.session.commit()
    return agent


def lawyer(name: str = "赵律师") -> User:
    """A verified lawyer."""
    user = person(name)
    grant(user, role="lawyer")
    return user


def local(day: str, clock_time: str) -> str:
    """An ISO time in Asia/Shanghai, e.g. local("2026-11-10", "09:00") -> 2026-11-10T09:00:00+08:00."""
    return f"{day}T{clock_time}:00+08:00"


def book(client, case: Case, user: User, start: str, end: str, *, mode: str = "phone", **extra):
    """POST a session as `user`."""
    body = {"starts_at": start, "ends_at": end, "mode": mode, **extra}
    return client.post(f"{MP}/cases/{case.id}/sessions", json=body, headers=login(user))


def parse(text: str) -> dt.datetime:
    """An ISO string from the API as an aware datetime."""
    return dt.datetime.fromisoformat(text)
