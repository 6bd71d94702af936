"""Refunds of money the ledger holds for a payer after a lower fee (Measures Art. 15's half, booked by fees when a
case ends by mediation statement or withdrawal permitted), proposed by the system and approved by the court.

The Measures make refunding the court's act (Art. 53: the court refunds within 15 days of the decision taking
effect), so nothing leaves the merchant account without a clerk: the litigation step that halves the fee (connected
to `app.litigation.step_hooks` in app/wiring.py, after fees' own hook) writes `requested` refunds for what is held,
spread over the payer's paid orders; the court lists them and approves each in one action, which sends it to
WeChat Pay exactly as a refund the court typed itself (app/payments/refunds.py). Proposed refunds count against what
is left of the order and of the payer's surplus, so a second proposal or a hand-made refund never doubles it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, timeline
from app.errors import Conflict, NotFound
from app.extensions import db
from app.fees import litigation_steps
from app.i18n import message
from app.payments import refunds
from app.payments.models import PaymentOrder, PaymentRefund
from app.payments.views import refund_view
from app.security import permissions
from app.security.permissions import Principal

REASONS = {
    "withdrawal": "准予撤诉，案件受理费减半收取，退还多交部分",
    "mediated_settlement": "调解结案，案件受理费减半收取，退还多交部分",
}


def on_litigation_step(case: Case, event_type: str, data: dict, actor: Principal | None) -> None:
    """The hook (after fees halved the fee): propose the refund of what the payers paid beyond it."""
    rule = litigation_steps.HALVING.get((event_type, str(data.get("closing_method"))))
    if rule is None or case.kind != "litigation":
        return
    parties = db.session.scalars(
        select(PaymentOrder.party_id).where(PaymentOrder.case_id == case.id, PaymentOrder.status == "paid").distinct()
    )
    for party_id in list(parties):
        propose(case, party_id, REASONS[rule])


def propose(case: Case, party_id: uuid.UUID, reason: str) -> list[PaymentRefund]:
    """`requested` refunds for what the ledger holds for the payer, newest paid order first (the caller commits)."""
    left = refunds.held(case.id, party_id)
    made: list[PaymentRefund] = []
    paid = db.session.scalars(
        select(PaymentOrder)
        .where(PaymentOrder.case_id == case.id, PaymentOrder.party_id == party_id, PaymentOrder.status == "paid")
        .order_by(PaymentOrder.paid_at.desc())
    )
    for order in list(paid):
        if left <= 0:
            break
        amount = min(left, refunds.refundable(order))
        if amount <= 0:
            continue
        made.append(refunds.create(order, amount_fen=amount, reason=reason, actor=None, status="requested"))
        left -= amount
    if made:
        total = sum(r.amount_fen for r in made)
        timeline.record(
            case,
            "fee.refund_proposed",
            actor=None,
            actor_role="system",
            summary=message(
                "Overpaid litigation fees of %(amount)s yuan wait for the court to confirm the refund",
                amount=f"{total / 100:.2f}",
            ),
            data={"amount_fen": total, "refunds": [r.out_refund_no for r in made]},
        )
    return made


def pending(*, actor: Principal, court_id: uuid.UUID | None = None, status: str = "requested") -> list[dict]:
    """Refunds of the caller's courts in one state (proposed ones by default), oldest first, with their case."""
    courts = permissions.review_court_ids(actor)
    if court_id is not None:
        courts = [c for c in courts if c == court_id]
    query = (
        select(PaymentRefund, PaymentOrder)
        .join(PaymentOrder, PaymentOrder.id == PaymentRefund.order_id)
        .where(PaymentOrder.court_id.in_(courts), PaymentRefund.status == status)
        .order_by(PaymentRefund.created_at)
        .limit(200)
    )
    return [
        {**refund_view(refund), "case_id": order.case_id, "party_id": order.party_id}
        for refund, order in db.session.execute(query)
    ]


def _proposed(refund_id: uuid.UUID, actor: Principal) -> tuple[PaymentRefund, PaymentOrder]:
    """The proposed refund (locked) and its order, for staff of the order's court; 404 / 409 otherwise."""
    refund = db.session.get(PaymentRefund, refund_id, with_for_update=True)
    order = db.session.get(PaymentOrder, refund.order_id) if refund is not None else None
    if refund is None or order is None or order.court_id is None:
        raise NotFound("No such refund.", reason="payments.refund_not_found")
    if not permissions.is_court_staff(actor, order.court_id):
        raise NotFound("No such refund.", reason="payments.refund_not_found")
    if refund.status != "requested":
        raise Conflict("This refund is not waiting for approval.", reason="payments.refund_not_requested")
    return refund, order


def approve(*, refund_id: uuid.UUID, actor: Principal) -> dict:
    """A clerk, judge or court system of the order's court sends a proposed refund to WeChat Pay."""
    refund, order = _proposed(refund_id, actor)
    refund.status = "processing"
    refund.requested_by_user_id, refund.requested_by = actor.user_id, actor.scope[:120]
    audit.record(
        "payment.refund_approved",
        actor=actor,
        object_type="payment",
        object_id=order.out_trade_no,
        details={"out_refund_no": refund.out_refund_no, "amount_fen": refund.amount_fen},
    )
    db.session.commit()
    return refunds.send(refund, order)


def decline(*, refund_id: uuid.UUID, reason: str, actor: Principal) -> dict:
    """The court declines a proposed refund (`declined`): nothing is sent and the ledger is untouched, so what the
    ledger holds for the payer is free again for another proposal or a refund the court types itself."""
    refund, order = _proposed(refund_id, actor)
    refund.status = "declined"
    case = db.session.get_one(Case, order.case_id)
    timeline.record(
        case,
        "fee.refund_declined",
        actor=actor,
        actor_role="court",
        summary=message(
            "The court did not allow the refund of %(amount)s yuan of litigation fees",
            amount=f"{refund.amount_fen / 100:.2f}",
        ),
        reason=reason,
        data={"out_refund_no": refund.out_refund_no, "amount_fen": refund.amount_fen},
    )
    audit.record(
        "payment.refund_declined",
        actor=actor,
        object_type="payment",
        object_id=order.out_trade_no,
        details={"out_refund_no": refund.out_refund_no, "amount_fen": refund.amount_fen, "reason": reason},
    )
    db.session.commit()
    return refund_view(refund)
