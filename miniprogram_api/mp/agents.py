"""Lawyers acting for parties: appoint or ask, confirm, decline, revoke; and the lawyer's workspace."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.agents import appointments
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.agents import (
    AgentCreateIn,
    AgentDecisionIn,
    CaseAgentOut,
    LawyerCaseArgs,
    LawyerCasePage,
)

blp = Blueprint("mp_agents", __name__, description="Lawyers acting for parties, and the lawyer's workspace.")


@blp.route("/cases/<uuid:case_id>/agents", methods=["POST"])
@login_required()
@blp.arguments(AgentCreateIn)
@blp.response(201, CaseAgentOut)
def add(payload: dict, case_id: uuid.UUID) -> dict:
    """The party appoints a verified lawyer (active at once) or a verified lawyer asks to act (pending)."""
    return appointments.add_agent(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/cases/<uuid:case_id>/agents", methods=["GET"])
@login_required()
@blp.response(200, CaseAgentOut(many=True))
def list_agents(case_id: uuid.UUID) -> list[dict]:
    """Every agent of the case in any state (pending the party or the court, active, declined, refused, revoked),
    with the court's approval and its reasons: how a party sees the court's decision on an appointment."""
    return appointments.list_for_case(case_id=case_id, actor=current_principal())


def _decide(decision: str, payload: dict, case_id: uuid.UUID, agent_id: uuid.UUID) -> dict:
    return appointments.decide(
        case_id=case_id, agent_id=agent_id, decision=decision, actor=current_principal(), reason=payload.get("reason")
    )


@blp.route("/cases/<uuid:case_id>/agents/<uuid:agent_id>/confirm", methods=["POST"])
@login_required()
@blp.arguments(AgentDecisionIn, required=False)
@blp.response(200, CaseAgentOut)
def confirm(payload: dict, case_id: uuid.UUID, agent_id: uuid.UUID) -> dict:
    """The party confirms a lawyer's request to act for them."""
    return _decide("confirm", payload, case_id, agent_id)


@blp.route("/cases/<uuid:case_id>/agents/<uuid:agent_id>/decline", methods=["POST"])
@login_required()
@blp.arguments(AgentDecisionIn, required=False)
@blp.response(200, CaseAgentOut)
def decline(payload: dict, case_id: uuid.UUID, agent_id: uuid.UUID) -> dict:
    """The party declines a lawyer's request."""
    return _decide("decline", payload, case_id, agent_id)


@blp.route("/cases/<uuid:case_id>/agents/<uuid:agent_id>/revoke", methods=["POST"])
@login_required()
@blp.arguments(AgentDecisionIn, required=False)
@blp.response(200, CaseAgentOut)
def revoke(payload: dict, case_id: uuid.UUID, agent_id: uuid.UUID) -> dict:
    """The party ends a lawyer's authority; the lawyer loses access to the case at once."""
    return _decide("revoke", payload, case_id, agent_id)


@blp.route("/lawyer/cases", methods=["GET"])
@login_required()
@blp.arguments(LawyerCaseArgs, location="query")
@blp.response(200, LawyerCasePage)
def workspace(args: dict) -> object:
    """Every case the caller acts in as a lawyer, newest first; pending requests flagged (empty for non-lawyers)."""
    return appointments.lawyer_cases(
        actor=current_principal(), **{k: args.get(k) for k in ("status", "cursor", "limit")}
    )
