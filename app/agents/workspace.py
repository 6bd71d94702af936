"""Agents as readers see them: one agent (`view`), a case's agents (`list_for_case`), and the lawyer's workspace
(every agency of the caller, newest first, pending requests flagged without case data)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.agents import approvals
from app.cases import Case, CaseAgent, CaseParty
from app.cases import access as case_access
from app.extensions import db
from app.identity import LawyerProfile, User
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


def list_for_case(*, case_id: uuid.UUID, actor: Principal) -> list[dict]:
    """Every agent of the case, oldest first, with the court's approval where there is one (the case's readers)."""
    case, _facts = case_access.load(case_id, actor=actor)
    agents = db.session.scalars(
        select(CaseAgent).where(CaseAgent.case_id == case.id).order_by(CaseAgent.created_at, CaseAgent.id)
    )
    return [view(agent) for agent in agents]


def view(agent: CaseAgent) -> dict:
    """An agent as the API shows it."""
    lawyer = db.session.get(User, agent.lawyer_user_id)
    profile = db.session.scalar(select(LawyerProfile).where(LawyerProfile.user_id == agent.lawyer_user_id))
    approval = approvals.of(agent)
    return {
        "agent_kind": approval.agent_kind if approval is not None else "lawyer",
        "citizen_basis": approval.citizen_basis if approval is not None else None,
        "court_approval": approvals.describe(approval) if approval is not None else None,
        "id": agent.id,
        "case_id": agent.case_id,
        "party_id": agent.party_id,
        "lawyer_user_id": agent.lawyer_user_id,
        "lawyer_name": (lawyer.real_name or lawyer.display_name) if lawyer else None,
        "law_firm": profile.law_firm if profile else None,
        "license_number": profile.license_number if profile else None,
        "authority": agent.authority,
        "status": agent.status,
        "power_of_attorney_evidence_id": agent.power_of_attorney_evidence_id,
        "power_of_attorney_verified": False,
        "confirmed_at": agent.confirmed_at,
        "created_at": agent.created_at,
    }
