"""Delegations a court sent to the caller's organisation (its admins): the list, accept (and assign), decline."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.mediation import delegation, delegation_queries
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.delegations import (
    DelegationAcceptIn,
    DelegationArgs,
    DelegationDeclineIn,
    DelegationOut,
    DelegationPage,
)

blp = Blueprint("mp_delegations", __name__, description="Disputes and cases courts delegate to an organisation.")


@blp.route("/mediation/delegations", methods=["GET"])
@login_required()
@blp.arguments(DelegationArgs, location="query")
@blp.response(200, DelegationPage)
def incoming(args: dict) -> object:
    """Delegations sent to the organisations the caller administers, newest first (empty for anyone else)."""
    return delegation_queries.list_incoming(
        actor=current_principal(), state=args.get("state"), cursor=args.get("cursor"), limit=args.get("limit")
    )


@blp.route("/mediation/delegations/<uuid:delegation_id>/accept", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(DelegationAcceptIn, required=False)
@blp.response(200, DelegationOut)
def accept(payload: dict, delegation_id: uuid.UUID) -> dict:
    """Take the delegation; the mediation starts, offered at once to `mediator_id` if given."""
    return delegation.accept(
        delegation_id=delegation_id, mediator_id=payload.get("mediator_id"), actor=current_principal()
    )


@blp.route("/mediation/delegations/<uuid:delegation_id>/decline", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(DelegationDeclineIn)
@blp.response(200, DelegationOut)
def decline(payload: dict, delegation_id: uuid.UUID) -> dict:
    """Refuse the delegation, with the reason; the court may send it to another organisation."""
    return delegation.decline(delegation_id=delegation_id, reason=payload["reason"], actor=current_principal())
