"""Reading sessions: one session, a case's sessions, the caller's schedule, a case's next session.

Hearings and pre-trial meetings are sessions too (`kind`), so a party's phone shows them in the same lists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import DateTime, Integer, Uuid, bindparam, select, union_all
from sqlalchemy.orm import aliased

from app.cases import Case, CaseAgent, CaseParty, detail_sections
from app.cases import access as case_access
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.platform import settings
from app.scheduling.models import MediationSession, SessionAttendance
from app.security import permissions
from app.security.permissions import CaseFacts, Principal
from app.utils import clock

SCHEDULE_LIMIT = 500
DEFAULT_RANGE = dt.timedelta(days=30)


def not_found() -> NotFound:
    """The one answer for unknown and not-yours sessions."""
    return NotFound("No such session.", reason="session.not_found")


def view(
    session: MediationSession, *, actor: Principal, facts: CaseFacts, attendance: list[SessionAttendance] | None = None
) -> dict:
    """A session as a participant or the case's staff sees it, with everyone's attendance answers (`attendance`:
    the rows when the caller knows them, e.g. none for a session just booked)."""
    rows = (
        attendance
        if attendance is not None
        else db.session.scalars(
            select(SessionAttendance)
            .where(SessionAttendance.session_id == session.id)
            .order_by(SessionAttendance.created_at)
        )
    )
    return {
        **{name: getattr(session, name) for name in _FIELDS},
        "attendance": [
            {
                "party_id": row.party_id,
                "role": row.role,
                "attending": row.attending,
                "confirmed_at": row.confirmed_at,
                "attended": row.attended,
                "is_me": row.user_id == actor.user_id,
            }
            for row in rows
        ],
        "my_role": my_role(actor, facts),
    }


def booked_view(values: dict, *, actor: Principal, facts: CaseFacts) -> dict:
    """`view` of a session just booked, from the row as written (`values`; the columns not in it are NULL) and with
    nobody's attendance answer yet: no ORM object built for the answer alone (issue 18)."""
    return {
        **{name: values.get(name) for name in _FIELDS},
        "attendance": [],
        "my_role": my_role(actor, facts),
    }


_FIELDS = (
    "id",
    "case_id",
    "kind",
    "courtroom_id",
    "mediator_user_id",
    "starts_at",
    "ends_at",
    "mode",
    "location",
    "meeting_url",
    "status",
    "created_at",
    "cancelled_at",
    "cancel_reason",
    "held_at",
)


def my_role(actor: Principal, facts: CaseFacts) -> str:
    """How the caller takes part: mediator, party, lawyer, or staff (court or organisation)."""
    relations = permissions.case_relations(actor, facts)
    for role, relation in (("mediator", "mediator"), ("party", "party"), ("lawyer", "agent")):
        if relation in relations:
            return role
    return "staff"


def session_detail(*, session_id: uuid.UUID, actor: Principal) -> dict:
    """One session, for anyone who may read its case."""
    case_id = db.session.scalar(select(MediationSession.case_id).where(MediationSession.id == session_id))
    if case_id is None:
        raise not_found()
    try:
        _case, facts = case_access.load(case_id, actor=actor)
    except NotFound:
        raise not_found() from None
    return view(db.session.get_one(MediationSession, session_id), actor=actor, facts=facts)  # its case_id was read


def case_sessions(*, case_id: uuid.UUID, actor: Principal) -> list[dict]:
    """Every session of a case, earliest first."""
    case, facts = case_access.load(case_id, actor=actor)
    query = select(MediationSession).where(MediationSession.case_id == case.id)
    sessions = db.session.scalars(query.order_by(MediationSession.starts_at, MediationSession.id))
    return [view(session, actor=actor, facts=facts) for session in sessions]


def check_range(starts: dt.datetime | None, ends: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """A from/to range: default from now for 30 days; at most SCHEDULE_MAX_RANGE_DAYS wide."""
    start = clock.as_utc(starts) if starts else clock.now()
    end = clock.as_utc(ends) if ends else start + DEFAULT_RANGE
    widest = settings.scheduling().max_range_days
    if end <= start:
        raise ValidationFailed(errors={"to": ["Must be after from."]})
    if end - start > dt.timedelta(days=widest):
        raise ValidationFailed(errors={"to": [f"The range is at most {widest} days."]})
    return start, end


def my_schedule(*, actor: Principal, starts: dt.datetime | None, ends: dt.datetime | None) -> dict:
    """The caller's scheduled and held sessions in the range: as mediator, party or lawyer (all cases)."""
    start, end = check_range(starts, ends)
    me = actor.user_id if permissions.is_user(actor) else None
    if me is None:
        return {"from": start, "to": end, "items": []}
    # Overlapping [start, end): a session is at most SESSION_MAX_HOURS long, which bounds starts_at below too.
    earliest = start - dt.timedelta(hours=settings.scheduling().session_max_hours)
    params = {"me": me, "start": start, "end": end, "earliest": earliest, "limit": SCHEDULE_LIMIT}
    rows = db.session.execute(_SCHEDULE_QUERY, params).all()
    items = [
        {
            **{name: getattr(row, name) for name in _FIELDS},
            "case_title": row.case_title,
            "my_role": _role_in(row, me, row.as_lawyer),
        }
        for row in rows
    ]
    return {"from": start, "to": end, "items": items}


def _build_schedule_query() -> Any:
    """One statement, built once with bound parameters: the union of the ids each relation finds through its own
    index (an OR of them would read every session in the range), then those sessions with their case's title and
    whether the caller is an active lawyer of the case (was six statements, each built per call); the sessions'
    columns, not MediationSession objects (issue 18, session 10: the schedule shows only their values)."""
    me = bindparam("me", type_=Uuid)
    as_party = select(CaseParty.case_id).where(CaseParty.user_id == me)
    as_lawyer = select(CaseAgent.case_id).where(CaseAgent.lawyer_user_id == me, CaseAgent.status == "active")
    limit = bindparam("limit", type_=Integer)
    in_range = select(MediationSession.id, MediationSession.starts_at).where(
        MediationSession.status.in_(("scheduled", "held")),
        MediationSession.starts_at < bindparam("end", type_=DateTime(timezone=True)),
        MediationSession.starts_at >= bindparam("earliest", type_=DateTime(timezone=True)),
        MediationSession.ends_at > bindparam("start", type_=DateTime(timezone=True)),
    )
    branches = [
        in_range.where(relation).order_by(MediationSession.starts_at, MediationSession.id).limit(limit).subquery()
        for relation in (
            MediationSession.mediator_user_id == me,
            MediationSession.judge_user_id == me,
            MediationSession.clerk_user_id == me,
            MediationSession.case_id.in_(as_party),
            MediationSession.case_id.in_(as_lawyer),
        )
    ]
    found = union_all(*(select(branch.c.id) for branch in branches))
    return (
        select(
            *(getattr(MediationSession, name) for name in (*_FIELDS, "judge_user_id", "clerk_user_id")),
            Case.title.label("case_title"),
            MediationSession.case_id.in_(as_lawyer).label("as_lawyer"),
        )
        .join(Case, Case.id == MediationSession.case_id)
        .where(MediationSession.id.in_(found))
        .order_by(MediationSession.starts_at, MediationSession.id)
        .limit(limit)
    )


_SCHEDULE_QUERY = _build_schedule_query()


def _role_in(session: Any, me: uuid.UUID, as_lawyer: bool) -> str:
    for role in ("mediator", "judge", "clerk"):
        if getattr(session, f"{role}_user_id") == me:
            return role
    return "lawyer" if as_lawyer else "party"


_NEXT = aliased(MediationSession, name="next_session")
# The case's next scheduled session (not yet over), folded into the case detail's shared statement (issue 18,
# session 10: it was a statement of its own): one outer join on the id a scalar subquery picks, built once.
_NEXT_SESSION = detail_sections.Fold(
    columns=(_NEXT.id, _NEXT.starts_at, _NEXT.ends_at, _NEXT.mode, _NEXT.location, _NEXT.meeting_url, _NEXT.kind),
    joins=(
        (
            _NEXT,
            _NEXT.id
            == select(MediationSession.id)
            .where(
                MediationSession.case_id == bindparam("case_id", type_=Uuid),
                MediationSession.status == "scheduled",
                MediationSession.ends_at > bindparam("now", type_=DateTime(timezone=True)),
            )
            .order_by(MediationSession.starts_at)
            .limit(1)
            .scalar_subquery(),
        ),
    ),
)


def next_session(case: Any) -> detail_sections.Read:
    """The case detail's `next_session`: the case's next scheduled session (not yet over) as plain JSON values,
    read with the detail's shared statement."""
    return detail_sections.Read(fold=_NEXT_SESSION, value=_next_session_view, parameters={"now": clock.now()})


def _next_session_view(values: Sequence[Any]) -> dict | None:
    session_id, starts_at, ends_at, mode, location, meeting_url, kind = values
    if session_id is None:
        return None
    return {
        "id": str(session_id),
        "starts_at": starts_at.astimezone(clock.SHANGHAI).isoformat(),
        "ends_at": ends_at.astimezone(clock.SHANGHAI).isoformat(),
        "mode": mode,
        "location": location,
        "meeting_url": meeting_url,
        "kind": kind,
    }
