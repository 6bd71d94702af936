"""The lawyer's workspace: every agency of the caller, newest first, pending requests flagged without case data."""

from __future__ import annotations

from sqlalchemy import select

from app.cases import Case, CaseAgent, CaseParty
from app.extensions import db
from app.platform.pagination import Page, newest_first
from app.security import permissions
from app.security.permissions import Principal

PENDING, ACTIVE = "pending_confirmation", "active"
LIVE = (PENDING, ACTIVE)


def lawyer_cases(*, actor: Principal, status: str | None, cursor: str | None, limit: int | None) -> Page:
    """The caller's agencies, newest first: active ones with their case, pending requests flagged (no case data)."""
    if not permissions.is_user(actor):
        return Page(items=[], next_cursor=None)
    # Filtering pending requests by case status would tell the lawyer that status: a filter lists active ones.
    query = select(CaseAgent).where(
        CaseAgent.lawyer_user_id == actor.user_id, CaseAgent.status.in_((ACTIVE,) if status else LIVE)
    )
    if status:
        query = query.join(Case, Case.id == CaseAgent.case_id).where(Case.status == status)
    page = newest_first(query, at_column=CaseAgent.created_at, id_column=CaseAgent.id, cursor=cursor, limit=limit)
    active = [agent for agent in page.items if agent.status == ACTIVE]
    cases = {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_([a.case_id for a in active])))}
    parties = {
        party.id: party
        for party in db.session.scalars(select(CaseParty).where(CaseParty.id.in_([a.party_id for a in active])))
    }
    return Page(items=[_workspace_item(agent, cases, parties) for agent in page.items], next_cursor=page.next_cursor)


def _workspace_item(agent: CaseAgent, cases: dict, parties: dict) -> dict:
    party = parties.get(agent.party_id)
    return {
        "agent_id": agent.id,
        "agent_status": agent.status,
        "pending": agent.status == PENDING,
        "authority": agent.authority,
        "case_id": agent.case_id,
        "party_id": agent.party_id,
        "party_name": party.name if party else None,
        "party_role": party.role if party else None,
        "created_at": agent.created_at,
        "case": cases.get(agent.case_id),
    }
