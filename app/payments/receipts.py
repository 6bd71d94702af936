"""Receipts: the 电子票据 (electronic fiscal receipt) number the court's finance system issues for a payment.

The finance system (or a clerk copying from it) records the number against a paid order; the payer and the
court see it with the order. Recording again replaces it (a corrected receipt), and each change is audited.
"""

from __future__ import annotations

import uuid

from app.audit import log as audit
from app.cases import Case, timeline
from app.errors import Conflict
from app.extensions import db
from app.i18n import message
from app.payments import orders
from app.payments.views import order_view
from app.security.permissions import Principal
from app.utils import clock


def record(*, order_id: uuid.UUID, receipt_no: str, actor: Principal) -> dict:
    """Store the receipt number of a paid order (court staff of its court)."""
    order = orders.load(order_id, actor=actor, staff_only=True)
    if order.status != "paid":
        raise Conflict("A receipt is issued for a paid order only.", reason="payments.not_paid")
    previous = order.receipt_no
    order.receipt_no, order.receipt_recorded_at = receipt_no, clock.now()
    case = db.session.get(Case, order.case_id)
    if case is not None and previous != receipt_no:
        timeline.record(
            case,
            "fee.receipt",
            actor=actor,
            actor_role="court",
            summary=message("Electronic receipt for litigation fees %(number)s", number=receipt_no),
            data={"out_trade_no": order.out_trade_no},
        )
    audit.record(
        "payment.receipt_recorded",
        actor=actor,
        object_type="payment",
        object_id=order.out_trade_no,
        details={"receipt_no": receipt_no, "previous": previous},
    )
    db.session.commit()
    return order_view(order)
