"""Refunds the court asks for (full or partial, e.g. half after a mediated settlement or a withdrawal).

A clerk or court system of the order's court asks; the refund goes to WeChat Pay at once and is booked as
"refunded" in the ledger only when WeChat Pay vouches it succeeded: its signed answer, a refund query, or a
verified refund notification (usually the last; the answer is normally PROCESSING).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid

from sqlalchemy import func, select

from app.audit import log as audit
from app.cases import Case, timeline
from app.errors import Conflict, ServiceUnavailable, ValidationFailed
from app.extensions import db
from app.fees import ledger
from app.i18n import message
from app.integrations.wechatpay import WeChatPayError
from app.payments import client, events, orders
from app.payments.models import PaymentOrder, PaymentRefund
from app.payments.views import refund_view
from app.platform import settings
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
OPEN = ("requested", "processing", "succeeded")
STATES = {"SUCCESS": "succeeded", "CLOSED": "closed", "ABNORMAL": "abnormal", "PROCESSING": "processing"}


def request(*, order_id: uuid.UUID, amount_fen: int, reason: str, actor: Principal) -> dict:
    """Ask WeChat Pay to refund part or all of a paid order (court staff of its court).

    Only money the ledger holds for the payer is refunded: a lower fee (Art. 15's half, booked by fees when the
    case ends by mediation or withdrawal; a relief decision; a recalculation) or a payment beyond the notice. A
    refund beyond it is refused (409 `payments.refund_exceeds_surplus`) so the ledger always balances.
    """
    order = orders.load(order_id, actor=actor, staff_only=True)
    db.session.refresh(order, with_for_update=True)  # two refunds at once see each other's amounts
    if amount_fen <= 0:
        raise ValidationFailed(errors={"amount_fen": ["A positive whole number of fen."]})
    if order.status != "paid":
        raise Conflict("Only a paid order can be refunded.", reason="payments.not_paid")
    if amount_fen > refundable(order):
        raise Conflict("The refund exceeds what is left of the payment.", reason="payments.refund_exceeds_paid")
    if amount_fen > held(order.case_id, order.party_id):
        raise Conflict(
            "The ledger does not hold that much for the payer: book the lower fee (reduction, waiver or "
            "recalculation) first; a refund pays back only what is no longer owed.",
            reason="payments.refund_exceeds_surplus",
        )
    refund = create(order, amount_fen=amount_fen, reason=reason, actor=actor, status="processing")
    db.session.commit()
    return send(refund, order)


def create(order: PaymentOrder, *, amount_fen: int, reason: str, actor: Principal | None, status: str) -> PaymentRefund:
    """A refund row (`processing`: about to be sent; `requested`: waiting for the court's approval)."""
    refund = PaymentRefund(
        order_id=order.id,
        out_refund_no="RF" + order.out_trade_no[2:10] + secrets.token_hex(8).upper(),
        amount_fen=amount_fen,
        reason=reason[:200],
        status=status,
        requested_by_user_id=actor.user_id if actor is not None else None,
        requested_by=(actor.scope if actor is not None else "system:fees")[:120],
    )
    db.session.add(refund)
    audit.record(
        "payment.refund_requested" if status == "processing" else "payment.refund_proposed",
        actor=actor,
        actor_kind=None if actor is not None else "system",
        object_type="payment",
        object_id=order.out_trade_no,
        details={"out_refund_no": refund.out_refund_no, "amount_fen": amount_fen},
    )
    return refund


def send(refund: PaymentRefund, order: PaymentOrder) -> dict:
    """Ask WeChat Pay for a committed `processing` refund; book its answer."""
    try:
        answer = client.current().refund(
            out_trade_no=order.out_trade_no,
            out_refund_no=refund.out_refund_no,
            refund_fen=refund.amount_fen,
            total_fen=order.amount_fen,
            reason=refund.reason,
        )
    except WeChatPayError as exc:
        log.warning("wechatpay refund %s: %s", refund.out_refund_no, exc)
        if exc.status:  # WeChat Pay answered and refused: nothing will be refunded
            refund.status = "closed"
            db.session.commit()
        raise ServiceUnavailable(
            "WeChat Pay did not take the refund; try again.", reason="payments.unavailable"
        ) from exc
    refund.refund_id = answer.get("refund_id") or None
    apply_refund({**answer, "out_refund_no": refund.out_refund_no}, source="answer")
    db.session.commit()
    events.flush()
    return refund_view(refund)


def pending_fen(case_id: uuid.UUID, party_id: uuid.UUID) -> int:
    """Refunds of a payer asked for (requested or processing) and not yet confirmed."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(PaymentRefund.amount_fen), 0))
            .join(PaymentOrder, PaymentOrder.id == PaymentRefund.order_id)
            .where(
                PaymentOrder.case_id == case_id,
                PaymentOrder.party_id == party_id,
                PaymentRefund.status.in_(("requested", "processing")),
            )
        )
        or 0
    )


def held(case_id: uuid.UUID, party_id: uuid.UUID) -> int:
    """Money the ledger holds for the payer (paid - refunded - owed) not yet being refunded."""
    return -ledger.balance(case_id, party_id)["outstanding"] - pending_fen(case_id, party_id)


def sweep(*, limit: int = 100) -> int:
    """Query refunds still processing after PAYMENT_QUERY_AFTER_MINUTES (a lost answer or notification)."""
    cutoff = clock.now() - dt.timedelta(minutes=settings.payments().query_after_minutes)
    query = select(PaymentRefund).where(PaymentRefund.status == "processing", PaymentRefund.created_at <= cutoff)
    settled = 0
    for refund in list(db.session.scalars(query.order_by(PaymentRefund.created_at).limit(limit))):
        try:
            answer = client.current().query_refund(refund.out_refund_no)
        except WeChatPayError as exc:
            if exc.status == 404:  # WeChat never took it (the request was lost on the way)
                refund.status = "closed"
            log.warning("wechatpay refund query %s: %s", refund.out_refund_no, exc)
        else:
            settled += apply_refund({**answer, "out_refund_no": refund.out_refund_no}, source="query") == "refunded"
        db.session.commit()
        events.flush()
    return settled


def refundable(order: PaymentOrder) -> int:
    """What is left of a paid order after its open and succeeded refunds."""
    asked = db.session.scalar(
        select(func.coalesce(func.sum(PaymentRefund.amount_fen), 0)).where(
            PaymentRefund.order_id == order.id, PaymentRefund.status.in_(OPEN)
        )
    )
    return order.amount_fen - int(asked or 0)


def for_order(order_id: uuid.UUID) -> list[dict]:
    """An order's refunds, oldest first."""
    query = select(PaymentRefund).where(PaymentRefund.order_id == order_id).order_by(PaymentRefund.created_at)
    return [refund_view(refund) for refund in db.session.scalars(query)]


def apply_refund(resource: dict, *, source: str) -> str:
    """Book a refund WeChat Pay vouched for; a notification says refund_status, an answer or query status."""
    out_refund_no = str(resource.get("out_refund_no", ""))
    refund = db.session.scalar(
        select(PaymentRefund).where(PaymentRefund.out_refund_no == out_refund_no).with_for_update()
    )
    if refund is None:
        log.warning("wechatpay refund %s for unknown refund %r", source, out_refund_no)
        return "unknown_refund"
    state = STATES.get(str(resource.get("refund_status") or resource.get("status") or ""), "processing")
    if refund.status == "succeeded":
        return "duplicate"
    if state != "succeeded":
        refund.status = state
        return state
    order = db.session.get(PaymentOrder, refund.order_id)
    if order is None:
        return "unknown_refund"
    amount = int((resource.get("amount") or {}).get("refund") or refund.amount_fen)
    refund_id = str(resource.get("refund_id") or refund.refund_id or out_refund_no)
    ledger.post(
        case_id=order.case_id,
        party_id=order.party_id,
        kind="refunded",
        amount_fen=amount,
        reference=f"wxrefund:{refund_id}",
        note=f"WeChat Pay refund {out_refund_no} ({source}): {refund.reason}"[:500],
    )
    refund.status, refund.refund_id, refund.succeeded_at = "succeeded", refund_id, clock.now()
    case = db.session.get(Case, order.case_id)
    if case is not None:
        timeline.record(
            case,
            "fee.refunded",
            actor=None,
            actor_role="system",
            summary=message("Litigation fees of %(amount)s yuan refunded", amount=f"{amount / 100:.2f}"),
            reason=refund.reason,
            data={"out_refund_no": out_refund_no, "amount_fen": amount},
        )
        events.announce(case, "payment.refunded", {"out_refund_no": out_refund_no, "amount_fen": amount})
    audit.record(
        "payment.refunded",
        actor_kind="system",
        object_type="payment",
        object_id=order.out_trade_no,
        details={"out_refund_no": out_refund_no, "amount_fen": amount, "source": source},
    )
    return "refunded"
