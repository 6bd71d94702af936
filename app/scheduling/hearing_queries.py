"""Reading hearings on the court side: one hearing with its attendance and summons, a case's hearings, and the
court's calendar per judge or courtroom. Parties see hearings in their phone's session lists (`queries`)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases import Case
from app.cases import access as case_access
from app.errors import NotFound
from app.extensions import db
from app.platform import settings
from app.scheduling import summons
from app.scheduling.models import HEARING_KINDS, Courtroom, MediationSession, SessionAttendance
from app.scheduling.queries import check_range
from app.security import permissions
from app.security.permissions import CaseFacts, Principal

CALENDAR_LIMIT = 500
_FIELDS = (
    "id",
    "case_id",
    "kind",
    "status",
    "starts_at",
    "ends_at",
    "mode",
    "courtroom_id",
    "location",
    "meeting_url",
    "judge_user_id",
    "clerk_user_id",
    "created_at",
    "cancelled_at",
    "cancel_reason",
    "held_at",
)


def not_found() -> NotFound:
    """The one answer for unknown hearings and those of another court."""
    return NotFound("No such hearing.", reason="session.not_found")


def _base(session: MediationSession, case: Case) -> dict:
    return {
        **{name: getattr(session, name) for name in _FIELDS},
        "case_number": case.case_number,
        "case_title": case.title,
        "postponements": [
            {"at": p["at"], "reason": p["reason"], "from": p["from"], "to": p["to"]}
            for p in (session.postponements or [])
        ],
    }


def view(session: MediationSession, *, actor: Principal, facts: CaseFacts) -> dict:
    """A hearing as the court sees it: attendance (with absence consequences) and every summons served."""
    case = db.session.get_one(Case, session.case_id)
    rows = db.session.scalars(
        select(SessionAttendance)
        .where(SessionAttendance.session_id == session.id)
        .order_by(SessionAttendance.created_at, SessionAttendance.id)
    )
    return {
        **_base(session, case),
        "attendance": [
            {
                "user_id": row.user_id,
                "party_id": row.party_id,
                "role": row.role,
                "attending": row.attending,
                "attended": row.attended,
                "consequence": row.consequence,
            }
            for row in rows
        ],
        "summons": [
            {"party_id": row.party_id, "round": row.round, "document_id": row.document_id, "error": row.error}
            for row in summons.of_session(session.id)
        ],
    }


def detail(*, session_id: uuid.UUID, actor: Principal) -> dict:
    """One hearing of a case at the caller's court."""
    case_id = db.session.scalar(
        select(MediationSession.case_id).where(
            MediationSession.id == session_id, MediationSession.kind.in_(HEARING_KINDS)
        )
    )
    if case_id is None:
        raise not_found()
    try:
        _case, facts = _court_case(case_id, actor)
    except NotFound:
        raise not_found() from None
    return view(db.session.get_one(MediationSession, session_id), actor=actor, facts=facts)


def case_hearings(*, case_id: uuid.UUID, actor: Principal) -> list[dict]:
    """Every hearing and pre-trial meeting of a case at the caller's court, earliest first."""
    case, facts = _court_case(case_id, actor)
    query = select(MediationSession).where(
        MediationSession.case_id == case.id, MediationSession.kind.in_(HEARING_KINDS)
    )
    sessions = db.session.scalars(query.order_by(MediationSession.starts_at, MediationSession.id))
    return [view(session, actor=actor, facts=facts) for session in sessions]


def _court_case(case_id: uuid.UUID, actor: Principal) -> tuple[Case, CaseFacts]:
    case, facts = case_access.load(case_id, actor=actor)
    if not permissions.may_review_filing(actor, facts):
        raise case_access.not_found()
    return case, facts


def calendar(
    *,
    actor: Principal,
    starts: dt.datetime | None,
    ends: dt.datetime | None,
    judge_user_id: uuid.UUID | None = None,
    courtroom_id: uuid.UUID | None = None,
    include_cancelled: bool = False,
) -> dict:
    """The hearings of the caller's courts in a range, optionally of one judge or one courtroom."""
    start, end = check_range(starts, ends)
    courts = permissions.staff_court_ids(actor)
    if courtroom_id is not None:
        room = db.session.get(Courtroom, courtroom_id)
        if room is None or room.court_id not in courts:
            raise NotFound("No such courtroom.", reason="courtroom.not_found")
    if not courts:
        return {"from": start, "to": end, "items": []}
    earliest = start - dt.timedelta(hours=settings.scheduling().session_max_hours)
    query = (
        select(MediationSession, Case)
        .join(Case, Case.id == MediationSession.case_id)
        .where(
            Case.court_id.in_(courts),
            MediationSession.kind.in_(HEARING_KINDS),
            MediationSession.starts_at < end,
            MediationSession.starts_at >= earliest,
            MediationSession.ends_at > start,
        )
    )
    if not include_cancelled:
        query = query.where(MediationSession.status != "cancelled")
    if judge_user_id is not None:
        query = query.where(MediationSession.judge_user_id == judge_user_id)
    if courtroom_id is not None:
        query = query.where(MediationSession.courtroom_id == courtroom_id)
    rows = db.session.execute(query.order_by(MediationSession.starts_at, MediationSession.id).limit(CALENDAR_LIMIT))
    return {"from": start, "to": end, "items": [_base(session, case) for session, case in rows]}
