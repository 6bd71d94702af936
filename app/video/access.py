"""Who takes part in a session's video room, and loading a session for the caller (private to app/video)."""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import select

from app.cases import Case, CaseParty, end_hooks
from app.cases import access as case_access
from app.errors import NotFound
from app.extensions import db
from app.scheduling import MediationSession
from app.scheduling import queries as session_queries
from app.security.permissions import CaseFacts, Principal

STAFF_ROLES = ("mediator", "judge", "clerk")


@dataclasses.dataclass(frozen=True)
class Person:
    """A participant of a session: how they take part and, for a party or lawyer, which party."""

    user_id: uuid.UUID
    role: str  # mediator | judge | clerk | party | lawyer
    party_id: uuid.UUID | None


def load(session_id: uuid.UUID, actor: Principal, *, lock: bool = False) -> tuple[MediationSession, Case, CaseFacts]:
    """The session and its case if the caller may read the case; 404 session.not_found otherwise."""
    case_id = db.session.scalar(select(MediationSession.case_id).where(MediationSession.id == session_id))
    if case_id is None:
        raise session_queries.not_found()
    try:
        case, facts = case_access.load(case_id, actor=actor, lock=lock)
    except NotFound:
        raise session_queries.not_found() from None
    query = select(MediationSession).where(MediationSession.id == session_id)
    session = db.session.scalar(query.with_for_update() if lock else query)
    if session is None:
        raise session_queries.not_found()
    return session, case, facts


def participants(session: MediationSession, case: Case, facts: CaseFacts) -> dict[uuid.UUID, Person]:
    """The session's staff (mediator, or judge and clerk), each joined party's own user and each active lawyer."""
    found: dict[uuid.UUID, Person] = {}
    staff = (
        (("mediator", session.mediator_user_id or case.mediator_user_id),)
        if session.kind == "mediation"
        else (("judge", session.judge_user_id), ("clerk", session.clerk_user_id))
    )
    for role, user_id in staff:
        if user_id is not None:
            found.setdefault(user_id, Person(user_id, role, None))
    for party_id, user_id in facts.party_users.items():
        found.setdefault(user_id, Person(user_id, "party", party_id))
    for party_id, user_id in facts.agent_lawyers.items():
        found.setdefault(user_id, Person(user_id, "lawyer", party_id))
    return found


def is_staff(actor: Principal, session: MediationSession, case: Case, facts: CaseFacts) -> bool:
    """The session's mediator, judge or clerk."""
    person = participants(session, case, facts).get(actor.user_id) if actor.user_id else None
    return person is not None and person.role in STAFF_ROLES


def case_ended(case: Case) -> bool:
    """Whether the case reached an end state (nothing is left to meet about)."""
    return end_hooks.has_ended(case.kind, case.status)


def party_names(case: Case) -> dict[uuid.UUID, str]:
    """Party id -> name (for minutes and views)."""
    rows = db.session.execute(select(CaseParty.id, CaseParty.name).where(CaseParty.case_id == case.id)).all()
    return {row.id: row.name for row in rows}
