"""Court staff: a case's WeChat Pay payments, refunds, receipt numbers and the daily reconciliation."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.payments import orders, queries, receipts, reconciliation, refunds, surplus
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.payments import (
    CasePaymentOut,
    OrderOut,
    ProposedRefundOut,
    ProposedRefundQuery,
    ReceiptIn,
    ReconcileIn,
    ReconciliationOut,
    RefundDeclineIn,
    RefundIn,
    RefundOut,
)

blp = Blueprint("court_payments", __name__, description="Litigation fees paid with WeChat Pay: the court's side.")


@blp.route("/cases/<uuid:case_id>/payments", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, CasePaymentOut(many=True))
def case_payments(case_id: uuid.UUID) -> list[dict]:
    """Every WeChat Pay order of a case of your court, with its refunds, oldest first."""
    return queries.for_case(case_id=case_id, actor=current_principal())


@blp.route("/payments/<uuid:order_id>/query", methods=["POST"])
@login_required(kinds=("user", "machine"))
@blp.response(200, OrderOut)
def query_order(order_id: uuid.UUID) -> dict:
    """Ask WeChat Pay about a pending order now (e.g. the payer says they paid); a confirmed payment is booked."""
    return orders.query_now(order_id=order_id, actor=current_principal())


@blp.route("/payments/<uuid:order_id>/refunds", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(RefundIn)
@blp.response(201, RefundOut)
def refund(payload: dict, order_id: uuid.UUID) -> dict:
    """Pay back part or all of a paid order, up to what the ledger holds for the payer (book the lower fee first);
    booked in the ledger once WeChat Pay confirms it."""
    return refunds.request(order_id=order_id, actor=current_principal(), **payload)


@blp.route("/payment-refunds", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.arguments(ProposedRefundQuery, location="query")
@blp.response(200, ProposedRefundOut(many=True))
def proposed_refunds(args: dict) -> list[dict]:
    """Refunds of your courts' cases by state: by default those proposed after a lower fee (Art. 15's half),
    waiting for a clerk's approval, oldest first."""
    return surplus.pending(actor=current_principal(), **args)


@blp.route("/payment-refunds/<uuid:refund_id>/approve", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.response(200, RefundOut)
def approve_refund(refund_id: uuid.UUID) -> dict:
    """Approve a proposed refund: it goes to WeChat Pay now and is booked once WeChat Pay confirms it."""
    return surplus.approve(refund_id=refund_id, actor=current_principal())


@blp.route("/payment-refunds/<uuid:refund_id>/decline", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(RefundDeclineIn)
@blp.response(200, RefundOut)
def decline_refund(payload: dict, refund_id: uuid.UUID) -> dict:
    """Decline a proposed refund, with the reason: nothing is sent and the ledger is untouched (409 unless it is
    `requested`)."""
    return surplus.decline(refund_id=refund_id, reason=payload["reason"], actor=current_principal())


@blp.route("/payments/<uuid:order_id>/receipt", methods=["PUT"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(ReceiptIn)
@blp.response(200, OrderOut)
def record_receipt(payload: dict, order_id: uuid.UUID) -> dict:
    """Record the 电子票据 number the court's finance system issued for a paid order."""
    return receipts.record(order_id=order_id, actor=current_principal(), **payload)


@blp.route("/payments/reconciliations", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, ReconciliationOut(many=True))
def list_reconciliations() -> list[dict]:
    """The latest daily reconciliations of WeChat Pay's bill against the ledger, with your courts' differences."""
    return reconciliation.list_reports(actor=current_principal())


@blp.route("/payments/reconciliations", methods=["POST"])
@login_required(kinds=("user", "machine"))
@idempotent()
@blp.arguments(ReconcileIn)
@blp.response(201, ReconciliationOut)
def run_reconciliation(payload: dict) -> dict:
    """Reconcile a day again now (the daily job does yesterday at 10:30 China Standard Time)."""
    report = reconciliation.run(bill_date=payload["bill_date"])
    return reconciliation.get(report_id=report["id"], actor=current_principal())
