"""Agents before the court: appointments waiting for approval (citizen agents, special authority), and decisions."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.agents import approvals
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.agents import (
    AgentApprovalDecideIn,
    AgentApprovalOut,
    AgentApprovalPage,
    AgentApprovalQueueArgs,
)

blp = Blueprint("court_agents", __name__, description="Agents needing the court's approval.")
KINDS = ("user", "machine")


@blp.route("/agent-approvals", methods=["GET"])
@login_required(kinds=KINDS)
@blp.arguments(AgentApprovalQueueArgs, location="query")
@blp.response(200, AgentApprovalPage)
def queue(args: dict) -> object:
    """Appointments at the caller's court(s) waiting for approval (or in the status asked), longest waiting first."""
    return approvals.queue(actor=current_principal(), **{k: args.get(k) for k in ("status", "cursor", "limit")})


@blp.route("/agent-approvals/<uuid:approval_id>/decide", methods=["POST"])
@login_required(kinds=KINDS)
@idempotent()
@blp.arguments(AgentApprovalDecideIn)
@blp.response(200, AgentApprovalOut)
def decide(payload: dict, approval_id: uuid.UUID) -> object:
    """Approve (the agent acts from now on) or refuse an appointment; the parties read it on the timeline."""
    return approvals.decide(
        approval_id=approval_id, approved=payload["approved"], reason=payload["reason"], actor=current_principal()
    )
