"""Plain dicts of orders and refunds, as the routes return them."""

from __future__ import annotations

from app.payments.models import PaymentOrder, PaymentRefund


def order_view(order: PaymentOrder) -> dict:
    """An order: what was asked, its state at WeChat Pay as last booked, and its receipt."""
    return {
        "id": order.id,
        "out_trade_no": order.out_trade_no,
        "case_id": order.case_id,
        "party_id": order.party_id,
        "notice_id": order.notice_id,
        "amount_fen": order.amount_fen,
        "description": order.description,
        "channel": order.channel,
        "status": order.status,
        "created_at": order.created_at,
        "expires_at": order.expires_at,
        "pay_url_expires_at": order.pay_url_expires_at,
        "paid_at": order.paid_at,
        "closed_at": order.closed_at,
        "close_reason": order.close_reason,
        "transaction_id": order.transaction_id,
        "receipt_no": order.receipt_no,
        "receipt_recorded_at": order.receipt_recorded_at,
    }


def refund_view(refund: PaymentRefund) -> dict:
    """A refund and its state."""
    return {
        "id": refund.id,
        "order_id": refund.order_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "amount_fen": refund.amount_fen,
        "reason": refund.reason,
        "status": refund.status,
        "created_at": refund.created_at,
        "succeeded_at": refund.succeeded_at,
    }
