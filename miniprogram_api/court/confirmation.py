"""Judicial confirmation at the court: the queue, accept a complete application (调确 number), confirm or reject."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.mediation import confirmation, confirmation_queue
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.confirmations import (
    ConfirmationDecideIn,
    ConfirmationOut,
    ConfirmationQueueArgs,
    ConfirmationQueuePage,
)

blp = Blueprint("court_confirmation", __name__, description="Judicial confirmation of mediation agreements.")


@blp.route("/judicial-confirmations", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.arguments(ConfirmationQueueArgs, location="query")
@blp.response(200, ConfirmationQueuePage)
def queue(args: dict) -> object:
    """Applications at the caller's court(s) waiting for it (or in one state), oldest submitted first."""
    return confirmation_queue.list_for_court(
        actor=current_principal(), **{k: args.get(k) for k in ("status", "court_id", "cursor", "limit")}
    )


@blp.route("/cases/<uuid:case_id>/judicial-confirmation/accept", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.response(200, ConfirmationOut)
def accept(case_id: uuid.UUID) -> dict:
    """Accept the application and number it (Idempotency-Key honoured)."""
    return confirmation.accept(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/judicial-confirmation/decide", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(ConfirmationDecideIn)
@blp.response(200, ConfirmationOut)
def decide(payload: dict, case_id: uuid.UUID) -> dict:
    """Confirm the agreement or reject it, with reasons (Idempotency-Key honoured)."""
    return confirmation.decide(
        case_id=case_id, confirmed=payload["confirmed"], reason=payload["reason"], actor=current_principal()
    )
