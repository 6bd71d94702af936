"""Loading a case together with the facts the permission predicates need; not yours = not found."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases.models import Case, CaseAgent, CaseParty
from app.errors import NotFound
from app.extensions import db
from app.security import permissions
from app.security.permissions import CaseFacts, Principal

CASE_NOT_FOUND = "case.not_found"


def not_found() -> NotFound:
    """The one answer for unknown and not-yours cases."""
    return NotFound("No such case.", reason=CASE_NOT_FOUND)


def facts_for(case: Case) -> CaseFacts:
    """Read the case's connections (parties' users, active agents, mediator) in two small queries."""
    parties = db.session.execute(
        select(CaseParty.id, CaseParty.user_id).where(CaseParty.case_id == case.id, CaseParty.user_id.is_not(None))
    ).all()
    agents = db.session.execute(
        select(CaseAgent.party_id, CaseAgent.lawyer_user_id).where(
            CaseAgent.case_id == case.id, CaseAgent.status == "active"
        )
    ).all()
    return CaseFacts(
        case_id=case.id,
        court_id=case.court_id,
        org_id=case.org_id,
        party_users={row.id: row.user_id for row in parties},
        agent_lawyers={row.party_id: row.lawyer_user_id for row in agents},
        mediator_user_id=case.mediator_user_id,
        filed_by_user_id=case.filed_by_user_id,
        filed_via=case.filed_via,
    )


def load(case_id: uuid.UUID, *, actor: Principal, lock: bool = False) -> tuple[Case, CaseFacts]:
    """The case and its facts if the caller may read it; otherwise 404 exactly as for an unknown id."""
    query = select(Case).where(Case.id == case_id)
    case = db.session.scalar(query.with_for_update() if lock else query)
    if case is None:
        raise not_found()
    facts = facts_for(case)
    if not permissions.may_read_case(actor, facts):
        raise not_found()
    return case, facts
