"""Delegation to mediation for the court (委派调解 / 委托调解): send, follow, recall, and file what failed."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.mediation import delegation, delegation_filing, delegation_queries, delegation_recall
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.cases import CaseDetailOut
from miniprogram_api.schemas.delegations import (
    DelegationArgs,
    DelegationOut,
    DelegationPage,
    DelegationRecallIn,
    DelegationSendIn,
)

blp = Blueprint("court_delegations", __name__, description="Delegating disputes and cases to mediation organisations.")


@blp.route("/delegations", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(DelegationSendIn)
@blp.response(201, DelegationOut)
def send(payload: dict) -> dict:
    """Send the court's dispute or case to a linked organisation, due by a date (Idempotency-Key honoured)."""
    return delegation.send(
        case_id=payload["case_id"],
        org_id=payload["org_id"],
        due_date=payload["due_date"],
        note=payload.get("note"),
        actor=current_principal(),
    )


@blp.route("/delegations", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.arguments(DelegationArgs, location="query")
@blp.response(200, DelegationPage)
def list_sent(args: dict) -> object:
    """What the caller's court(s) delegated, newest first, optionally in one state."""
    return delegation_queries.list_for_court(
        actor=current_principal(), state=args.get("state"), cursor=args.get("cursor"), limit=args.get("limit")
    )


@blp.route("/delegations/<uuid:delegation_id>", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, DelegationOut)
def get_one(delegation_id: uuid.UUID) -> dict:
    """One delegation of the caller's court and where its mediation stands."""
    return delegation_queries.get_for_court(delegation_id=delegation_id, actor=current_principal())


@blp.route("/delegations/<uuid:delegation_id>/file", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.response(201, CaseDetailOut)
def file_failed(delegation_id: uuid.UUID) -> dict:
    """File a delegated dispute whose mediation failed as a litigation case, with its parties and evidence."""
    return delegation_filing.file_after_failure(delegation_id=delegation_id, actor=current_principal())


@blp.route("/delegations/<uuid:delegation_id>/recall", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(DelegationRecallIn, required=False)
@blp.response(200, DelegationOut)
def recall(payload: dict, delegation_id: uuid.UUID) -> dict:
    """Take back a delegation not yet answered, or an accepted one with a reason (its mediation ends)."""
    return delegation_recall.recall(
        delegation_id=delegation_id, reason=payload.get("reason"), actor=current_principal()
    )
