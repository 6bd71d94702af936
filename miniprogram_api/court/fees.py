"""The court's side of litigation fees: unpaid and overdue notices (the clerk's queue), a case's fees,
applications for deferral, reduction or waiver and their decision, and the decision at the deadline."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.fees import adjust, court_settings, overdue, queries, relief
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.fees import (
    CaseFeesOut,
    FeeCourtSettingsIn,
    FeeCourtSettingsOut,
    FeeNoticeArgs,
    FeeNoticeOut,
    FeeNoticePageSchema,
    FeeOverdueDecisionIn,
    FeeRecalculateIn,
    FeeReliefArgs,
    FeeReliefDecisionIn,
    FeeReliefOut,
    FeeReliefPageSchema,
)

blp = Blueprint("court_fees", __name__, description="Litigation fees for court staff and court systems.")


@blp.route("/fee-notices", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.arguments(FeeNoticeArgs, location="query")
@blp.response(200, FeeNoticePageSchema)
def list_notices(args: dict) -> object:
    """Notices at the caller's courts, earliest deadline first; overdue=true is the clerk's queue."""
    return queries.list_notices(
        actor=current_principal(),
        status=args.get("status"),
        overdue=args.get("overdue"),
        court_id=args.get("court_id"),
        cursor=args.get("cursor"),
        limit=args.get("limit"),
    )


@blp.route("/cases/<uuid:case_id>/fees", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, CaseFeesOut)
def case_fees(case_id: uuid.UUID) -> dict:
    """Every payer's notices, ledger entries, the balance and the applications of a case."""
    return queries.case_fees(case_id=case_id, actor=current_principal())


@blp.route("/fee-notices/<uuid:notice_id>/overdue-decision", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(FeeOverdueDecisionIn)
@blp.response(200, FeeNoticeOut)
def decide_overdue(payload: dict, notice_id: uuid.UUID) -> dict:
    """At the deadline: confirm the case is treated as withdrawn (it is closed), or grant `days` more."""
    if payload["decision"] == "extend":
        return overdue.extend(
            notice_id=notice_id, actor=current_principal(), days=payload.get("days", 0), reason=payload.get("reason")
        )
    return overdue.treat_as_withdrawn(notice_id=notice_id, actor=current_principal(), reason=payload.get("reason"))


@blp.route("/fee-reliefs", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.arguments(FeeReliefArgs, location="query")
@blp.response(200, FeeReliefPageSchema)
def list_reliefs(args: dict) -> object:
    """Applications for deferral, reduction or waiver at the caller's courts, the longest waiting first."""
    return queries.list_reliefs(
        actor=current_principal(),
        status=args["status"],
        court_id=args.get("court_id"),
        cursor=args.get("cursor"),
        limit=args.get("limit"),
    )


@blp.route("/fee-reliefs/<uuid:relief_id>/decision", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(FeeReliefDecisionIn)
@blp.response(200, FeeReliefOut)
def decide_relief(payload: dict, relief_id: uuid.UUID) -> dict:
    """Grant, partly grant (amount_fen / until) or refuse (with reasons) an application."""
    return relief.decide(
        relief_id=relief_id,
        actor=current_principal(),
        decision=payload["decision"],
        reason=payload.get("reason"),
        amount_fen=payload.get("amount_fen"),
        until=payload.get("until"),
    )


@blp.route("/courts/<uuid:court_id>/fee-settings", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, FeeCourtSettingsOut)
def read_settings(court_id: uuid.UUID) -> dict:
    """The court's fee settings (its staff)."""
    return court_settings.read(court_id=court_id, actor=current_principal())


@blp.route("/courts/<uuid:court_id>/fee-settings", methods=["PUT"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(FeeCourtSettingsIn)
@blp.response(200, FeeCourtSettingsOut)
def update_settings(payload: dict, court_id: uuid.UUID) -> dict:
    """Ask for the acceptance fee at filing (prepayment) or at acceptance; the court's judges or court system."""
    return court_settings.update(
        court_id=court_id, actor=current_principal(), prepay_at_filing=payload["prepay_at_filing"]
    )


@blp.route("/fee-notices/<uuid:notice_id>/recalculation", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(FeeRecalculateIn)
@blp.response(200, FeeNoticeOut)
def recalculate(payload: dict, notice_id: uuid.UUID) -> dict:
    """Correct the fee (another schedule or amount); the difference is booked and a higher fee gets a new period."""
    return adjust.recalculate(
        notice_id=notice_id,
        actor=current_principal(),
        schedule=payload["schedule"],
        amount=payload.get("amount"),
        reason=payload["reason"],
    )
