"""Helpers for court-review tests: litigation filings, court staff and their principals, timeline reads."""

from __future__ import annotations

from sqlalchemy import func, select

from app.cases.models import Case, CaseNumberSequence, CorrectionRequest, TimelineEvent
from app.extensions import db
from app.identity import login_sessions as sessions
from app.security.permissions import Principal
from tests.support.cases import file_case
from tests.support.factories import grant, make_user

COURT = "/api/court/v1"
MP = "/api/mp/v1"


def litigation(court, filer=None, **overrides) -> Case:
    """A litigation filing at `court`, through the filing service (a verified filer made if none)."""
    return file_case(filer or make_user(real_name="张三"), kind="litigation", court=court, **overrides)


def staff(court, role: str = "clerk"):
    """A user with a role at the court."""
    user = make_user()
    grant(user, role=role, court=court)
    return user


def principal(user) -> Principal:
    """The principal of a user, as the auth layer builds it."""
    return sessions.load_principal(user)


def machine(court) -> Principal:
    """The principal of a court's machine client."""
    return Principal(
        kind="machine", subject=f"mc_test_{court.code}", court_roles={court.id: frozenset({"court_system"})}
    )


def events(case_id) -> list[TimelineEvent]:
    """The case's timeline as stored, oldest first."""
    query = select(TimelineEvent).where(TimelineEvent.case_id == case_id)
    return list(db.session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))


def count(model) -> int:
    """Rows in a table."""
    return db.session.scalar(select(func.count()).select_from(model))


def numbers_used() -> int:
    """The sum of every sequence's last value: how many numbers the platform has handed out."""
    return db.session.scalar(select(func.coalesce(func.sum(CaseNumberSequence.last_value), 0)))


def status_of(case_id) -> str:
    """The status as stored (not as cached in the session)."""
    db.session.expire_all()
    return db.session.get(Case, case_id).status


def corrections(case_id) -> list[CorrectionRequest]:
    """Correction requests of a case, oldest first."""
    query = select(CorrectionRequest).where(CorrectionRequest.case_id == case_id)
    return list(db.session.scalars(query.order_by(CorrectionRequest.created_at)))
