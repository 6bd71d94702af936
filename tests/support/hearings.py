"""Factories for hearing tests: an accepted litigation case at a court with a clerk, a judge and a courtroom."""

from __future__ import annotations

import dataclasses
import itertools

from app.cases.models import Case
from app.extensions import db
from app.identity.models import User
from app.scheduling.models import Courtroom
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court
from tests.support.scheduling import join, person

COURT = "/api/court/v1"
_numbers = itertools.count(1)


@dataclasses.dataclass
class Trial:
    """An accepted litigation case and the people and room around it."""

    case: Case
    court: object
    clerk: User
    judge: User
    plaintiff: User
    defendant: User
    room: Courtroom


def courtroom(court, name: str = "第一法庭", location: str | None = "三楼") -> Courtroom:
    """A courtroom of `court` (added directly)."""
    room = Courtroom(court_id=court.id, name=name, location=location, active=True)
    db.session.add(room)
    db.session.commit()
    return room


def trial(*, court=None, clerk: User | None = None, judge: User | None = None, status: str = "accepted") -> Trial:
    """An accepted litigation case filed by a plaintiff, the defendant joined, at a court with staff and a room."""
    room_name = "第一法庭" if court is None else f"第{next(_numbers)}法庭"
    court = court or make_court()
    if clerk is None:
        clerk = person("钱书记")
        grant(clerk, role="clerk", court=court)
    if judge is None:
        judge = person("孙法官")
        grant(judge, role="judge", court=court)
    plaintiff, defendant = person("张三"), person("李四")
    case = file_case(plaintiff, kind="litigation", court=court)
    case.status, case.case_number = status, f"(2026)浙0206民初{next(_numbers)}号"
    db.session.commit()
    join(case, defendant, role="defendant")
    return Trial(case, court, clerk, judge, plaintiff, defendant, courtroom(court, room_name))


def book(client, t: Trial, start: str, end: str, *, as_user: User | None = None, headers=None, **extra):
    """POST a hearing as the clerk (in person in the trial's courtroom unless told otherwise)."""
    body = {"starts_at": start, "ends_at": end, "mode": "in_person", "courtroom_id": str(t.room.id)}
    body.setdefault("judge_user_id", str(t.judge.id))
    body.update(extra)
    body = {key: value for key, value in body.items() if value is not None}  # None: leave the field out
    headers = headers or login(as_user or t.clerk)
    return client.post(f"{COURT}/cases/{t.case.id}/hearings", json=body, headers=headers)
