"""The court's queues after acceptance: appeals to forward, enforcement applications to accept or reject."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.litigation import appeals, enforcement
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.litigation import (
    AppealOut,
    AppealPage,
    AppealQueueArgs,
    EnforcementOut,
    EnforcementPage,
    EnforcementQueueArgs,
    EnforcementRejectIn,
    NoteIn,
)

blp = Blueprint("court_litigation_queues", __name__, description="Appeals and enforcement applications.")
STAFF = ("user", "machine")


@blp.route("/appeals", methods=["GET"])
@login_required(kinds=STAFF)
@blp.arguments(AppealQueueArgs, location="query")
@blp.response(200, AppealPage)
def appeal_queue(args: dict) -> object:
    """Appeals filed with the caller's court(s), oldest first (default: not yet forwarded)."""
    return appeals.queue(
        actor=current_principal(), **{k: args.get(k) for k in ("status", "court_id", "cursor", "limit")}
    )


@blp.route("/appeals/<uuid:appeal_id>/acknowledge", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(NoteIn, required=False)
@blp.response(200, AppealOut)
def acknowledge(payload: dict, appeal_id: uuid.UUID) -> dict:
    """Acknowledge receipt of the appeal."""
    return appeals.acknowledge(appeal_id=appeal_id, note=payload.get("note"), actor=current_principal())


@blp.route("/appeals/<uuid:appeal_id>/forward", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(NoteIn, required=False)
@blp.response(200, AppealOut)
def forward(payload: dict, appeal_id: uuid.UUID) -> dict:
    """Forward the appeal and the case file to the appellate court."""
    return appeals.forward(appeal_id=appeal_id, note=payload.get("note"), actor=current_principal())


@blp.route("/enforcement-applications", methods=["GET"])
@login_required(kinds=STAFF)
@blp.arguments(EnforcementQueueArgs, location="query")
@blp.response(200, EnforcementPage)
def enforcement_queue(args: dict) -> object:
    """Enforcement applications to the caller's court(s), oldest first (default: submitted)."""
    return enforcement.queue(
        actor=current_principal(), **{k: args.get(k) for k in ("status", "court_id", "cursor", "limit")}
    )


@blp.route("/enforcement-applications/<uuid:application_id>/accept", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.response(200, EnforcementOut)
def accept(application_id: uuid.UUID) -> dict:
    """Accept the application with a new enforcement case number (执)."""
    return enforcement.accept(application_id=application_id, actor=current_principal())


@blp.route("/enforcement-applications/<uuid:application_id>/reject", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(EnforcementRejectIn)
@blp.response(200, EnforcementOut)
def reject(payload: dict, application_id: uuid.UUID) -> dict:
    """Do not accept the application, with the reasons."""
    return enforcement.reject(application_id=application_id, reason=payload["reason"], actor=current_principal())
