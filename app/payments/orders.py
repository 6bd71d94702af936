"""Orders for a fee notice (JSAPI, H5, Native), and booking what WeChat Pay says about them.

A payer (the party, or an agent acting for it) asks to pay a notice: the amount is what the notice still asks
for, capped by the ledger's outstanding balance; for JSAPI the payer's WeChat openid is the account's (H5 and
Native need none: whoever pays in WeChat pays for this party). One order is one attempt (its out_trade_no is
never reused); a pending, unexpired order for the same notice, channel and amount is handed out again instead
of placing a second one, and one of another channel is closed first. The phone's "paid" means nothing here:
money is booked only by `apply_transaction`, fed by a verified notification (notify.py) or the answer to an
order query (`sync`).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
import uuid
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, timeline
from app.cases import access as case_access
from app.errors import Conflict, NotFound, ServiceUnavailable
from app.extensions import db
from app.fees import FeeNotice, ledger
from app.i18n import message
from app.identity import User
from app.integrations import qr
from app.integrations.wechatpay import WeChatPayClient, WeChatPayError
from app.payments import client, events
from app.payments.models import CHANNELS, PaymentOrder
from app.payments.views import order_view
from app.platform import settings
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
PAYABLE_NOTICE = ("unpaid", "deferred")
CLOSED_STATES = ("CLOSED", "REVOKED", "PAYERROR")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
H5_URL_SECONDS = 300  # WeChat Pay's h5_url works for 5 minutes
URL_MARGIN_SECONDS = 30  # a link about to stop working is not handed out again: the person needs time to use it


def not_found() -> NotFound:
    """Unknown and not-yours orders and notices look the same."""
    return NotFound("No such payment.", reason="payments.not_found")


def create(*, notice_id: uuid.UUID, actor: Principal, channel: str = "jsapi", client_ip: str = "") -> dict:
    """An order for what a notice still asks, paid the way `channel` says.

    jsapi: the signed wx.requestPayment parameters (the mini-program; needs the account's WeChat login).
    h5: WeChat Pay's h5_url for a phone browser outside WeChat (`client_ip` is the payer's address, which WeChat
    Pay compares with the browser that opens the link). native: the code_url the person scans with WeChat.
    One order per notice is open at a time: asking for another channel (the person switched device) closes the
    open one at WeChat Pay first; the same channel, payer and amount gets the open order again while its link works.
    """
    if channel not in CHANNELS:  # the schema allows only these
        raise ValueError(f"unknown payment channel {channel!r}")
    notice = db.session.get(FeeNotice, notice_id, with_for_update=True)  # one attempt at a time per notice
    if notice is None:
        raise not_found()
    case, facts = case_access.load(notice.case_id, actor=actor)
    if not permissions.may_act_for_party(actor, facts, notice.party_id):
        raise not_found()
    user = db.session.get(User, actor.user_id)
    if user is None:
        raise not_found()
    if channel == "jsapi" and not user.wechat_openid:
        raise Conflict(
            "Paying with WeChat Pay needs an account logged in with WeChat: log in with WeChat in the mini-program.",
            reason="payments.wechat_login_required",
        )
    amount = min(notice.amount_fen, ledger.balance(case.id, notice.party_id)["outstanding"])
    if notice.status not in PAYABLE_NOTICE or amount <= 0:
        raise Conflict("Nothing is due under this notice.", reason="payments.nothing_due")
    pay = client.current()
    now = clock.now()
    for pending in _pending_for(notice.id):
        if _still_usable(pending, channel=channel, amount=amount, payer=user.id, now=now):
            return _answer(pending, pay)
        close(pending, reason="superseded")
        if pending.status == "paid":  # WeChat Pay says the open order was paid meanwhile: booked, nothing to order
            db.session.commit()
            events.flush()
            raise Conflict("Nothing is due under this notice.", reason="payments.nothing_due")
    minutes = settings.payments().order_expire_minutes
    order = PaymentOrder(
        out_trade_no=new_trade_no(now),
        case_id=case.id,
        party_id=notice.party_id,
        court_id=case.court_id,
        notice_id=notice.id,
        payer_user_id=user.id,
        amount_fen=amount,
        channel=channel,
        description=f"诉讼费 {case.case_number or ''}".strip()[:127],
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    _place(order, pay, openid=user.wechat_openid or "", client_ip=client_ip, now=now)
    db.session.add(order)
    audit.record(
        "payment.ordered",
        actor=actor,
        object_type="payment",
        object_id=order.out_trade_no,
        details={"case_id": str(case.id), "amount_fen": amount, "channel": channel},
    )
    db.session.commit()
    return _answer(order, pay)


def _still_usable(order: PaymentOrder, *, channel: str, amount: int, payer: uuid.UUID, now: dt.datetime) -> bool:
    """An open order that can be handed out again: same channel, amount and payer, and its link still works."""
    if (
        order.channel != channel
        or order.amount_fen != amount
        or order.payer_user_id != payer
        or order.expires_at <= now
    ):
        return False
    if channel == "jsapi":
        return True
    margin = dt.timedelta(seconds=URL_MARGIN_SECONDS)
    return bool(order.pay_url) and order.pay_url_expires_at is not None and order.pay_url_expires_at > now + margin


def _place(order: PaymentOrder, pay: WeChatPayClient, *, openid: str, client_ip: str, now: dt.datetime) -> None:
    """Place the order at WeChat Pay (503 if it cannot take it; 409 if the merchant lacks the product)."""
    common: dict[str, Any] = {
        "out_trade_no": order.out_trade_no,
        "description": order.description,
        "amount_fen": order.amount_fen,
        "time_expire": order.expires_at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
        "attach": str(order.notice_id),
    }
    try:
        if order.channel == "jsapi":
            order.prepay_id = pay.jsapi_order(openid=openid, **common)
        elif order.channel == "h5":
            order.pay_url = pay.h5_order(client_ip=client_ip or "127.0.0.1", **common)
            order.pay_url_expires_at = min(order.expires_at, now + dt.timedelta(seconds=H5_URL_SECONDS))
        else:
            order.pay_url = pay.native_order(**common)
            order.pay_url_expires_at = order.expires_at
    except WeChatPayError as exc:
        log.warning("wechatpay %s order refused: %s", order.channel, exc)
        if exc.code == "NO_AUTH" and order.channel != "jsapi":
            raise Conflict(
                "This way of paying is not enabled for the court's WeChat Pay merchant; pay by scanning the QR code.",
                reason="payments.channel_unavailable",
            ) from exc
        raise ServiceUnavailable(
            "WeChat Pay could not take the order; try again.", reason="payments.unavailable"
        ) from exc


def _answer(order: PaymentOrder, pay: WeChatPayClient) -> dict:
    """The order with what the payer needs to pay it: wx.requestPayment parameters, the h5_url, or the QR code."""
    view = order_view(order)
    if order.channel == "jsapi":
        view["pay_params"] = pay.request_payment(order.prepay_id or "")
    elif order.channel == "h5":
        back = settings.http().public_base_url.rstrip("/") + f"/h5/#/cases/{order.case_id}/fees"
        link = order.pay_url or ""
        view["h5_url"] = f"{link}{'&' if '?' in link else '?'}redirect_url={quote(back, safe='')}"
    else:
        png = base64.b64encode(qr.png_bytes(order.pay_url or "", scale=6)).decode()
        view["code_url"] = order.pay_url
        view["code_qr_png"] = "data:image/png;base64," + png
    return view


def new_trade_no(now: dt.datetime) -> str:
    """A fresh out_trade_no (26 characters, WeChat allows 6-32 of [0-9A-Za-z_-|*])."""
    return "MC" + now.astimezone(SHANGHAI).strftime("%Y%m%d") + secrets.token_hex(8).upper()


def _pending_for(notice_id: uuid.UUID) -> list[PaymentOrder]:
    query = select(PaymentOrder).where(PaymentOrder.notice_id == notice_id, PaymentOrder.status == "pending")
    return list(db.session.scalars(query.order_by(PaymentOrder.created_at)))


def get(*, order_id: uuid.UUID, actor: Principal) -> dict:
    """One order for whoever may read its case and act for its payer (or court staff of its court)."""
    return order_view(load(order_id, actor=actor))


def load(order_id: uuid.UUID, *, actor: Principal, staff_only: bool = False, payer_only: bool = False) -> PaymentOrder:
    """The order if the caller may see it (payer side or court staff, or only one of them); 404 otherwise."""
    order = db.session.get(PaymentOrder, order_id)
    if order is None:
        raise not_found()
    try:
        _, facts = case_access.load(order.case_id, actor=actor)
    except NotFound:
        raise not_found() from None
    staff = not payer_only and order.court_id is not None and order.court_id in permissions.staff_court_ids(actor)
    if not staff and (staff_only or not permissions.may_act_for_party(actor, facts, order.party_id)):
        raise not_found()
    return order


def cancel(*, order_id: uuid.UUID, actor: Principal) -> dict:
    """The payer gave up: close the order at WeChat Pay (a paid one is booked instead)."""
    order = load(order_id, actor=actor, payer_only=True)
    if order.status == "pending":
        close(order, reason="cancelled")
        db.session.commit()
    return order_view(order)


def close(order: PaymentOrder, *, reason: str) -> None:
    """Close a pending order at WeChat Pay, then here; if WeChat says it was paid, book that instead."""
    try:
        client.current().close(order.out_trade_no)
    except WeChatPayError as exc:
        if exc.code == "ORDER_PAID":
            sync(order)
            return
        if exc.code not in ("ORDER_CLOSED", "ORDER_NOT_EXIST"):
            raise ServiceUnavailable(
                "WeChat Pay could not close the order; try again.", reason="payments.unavailable"
            ) from exc
    order.status, order.closed_at, order.close_reason = "closed", clock.now(), reason


def query_now(*, order_id: uuid.UUID, actor: Principal) -> dict:
    """Court staff ask WeChat Pay about an order now ("the payer says they paid"); booked as any query."""
    order = load(order_id, actor=actor, staff_only=True)
    if order.status == "pending":
        sync(order)
        db.session.commit()
        events.flush()
    return order_view(order)


def sync(order: PaymentOrder) -> str:
    """Ask WeChat Pay about an order and book what it says (recovery after a lost notification)."""
    order.last_queried_at = clock.now()
    try:
        answer = client.current().query(order.out_trade_no)
    except WeChatPayError as exc:
        log.warning("wechatpay query %s failed: %s", order.out_trade_no, exc)
        return "unreachable"
    return apply_transaction(answer, source="query")


def apply_transaction(resource: dict, *, source: str) -> str:
    """Book a transaction WeChat Pay vouched for (signed answer or verified notification); the caller commits."""
    out_trade_no = str(resource.get("out_trade_no", ""))
    order = db.session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no).with_for_update())
    if order is None:
        log.warning("wechatpay %s for unknown order %r", source, out_trade_no)
        return "unknown_order"  # reconciliation reports it as missing in the ledger
    state = resource.get("trade_state")
    if state in CLOSED_STATES and order.status == "pending":
        order.status, order.closed_at, order.close_reason = "closed", clock.now(), state.lower()
        return "closed"
    if state != "SUCCESS":
        return "not_paid"
    if order.status == "paid":
        return "duplicate"
    amount = int((resource.get("amount") or {}).get("total") or 0)
    transaction_id = str(resource.get("transaction_id", ""))
    if amount <= 0 or not transaction_id:
        log.error("wechatpay %s for %s lacks an amount or transaction id", source, out_trade_no)
        return "malformed"
    if amount != order.amount_fen:  # money moved as WeChat says; reconciliation and the balance show the rest
        log.error("wechatpay %s for %s: paid %d fen, ordered %d", source, out_trade_no, amount, order.amount_fen)
    ledger.post(
        case_id=order.case_id,
        party_id=order.party_id,
        kind="paid",
        amount_fen=amount,
        reference=f"wxpay:{transaction_id}",
        note=f"WeChat Pay {out_trade_no} ({source})",
    )
    order.status, order.transaction_id, order.paid_at = "paid", transaction_id, _success_time(resource)
    _record_paid(order, amount, source)
    return "paid"


def _record_paid(order: PaymentOrder, amount: int, source: str) -> None:
    case = db.session.get(Case, order.case_id)
    if case is None:
        return
    summary = message("Litigation fees of %(amount)s yuan paid through WeChat Pay", amount=f"{amount / 100:.2f}")
    timeline.record(
        case,
        "fee.paid",
        actor=None,
        actor_role="system",
        summary=summary,
        data={"out_trade_no": order.out_trade_no, "amount_fen": amount, "source": source},
    )
    audit.record(
        "payment.paid",
        actor_kind="system",
        object_type="payment",
        object_id=order.out_trade_no,
        details={"case_id": str(case.id), "amount_fen": amount, "source": source},
    )
    events.announce(case, "payment.paid", {"out_trade_no": order.out_trade_no, "amount_fen": amount})


def _success_time(resource: dict) -> dt.datetime:
    try:
        return clock.as_utc(dt.datetime.fromisoformat(str(resource.get("success_time"))))
    except (TypeError, ValueError):
        return clock.now()


def sweep(*, limit: int = 100) -> dict[str, int]:
    """Query orders still pending after PAYMENT_QUERY_AFTER_MINUTES; close the expired ones still unpaid."""
    now = clock.now()
    cutoff = now - dt.timedelta(minutes=settings.payments().query_after_minutes)
    query = select(PaymentOrder.id).where(PaymentOrder.status == "pending", PaymentOrder.created_at <= cutoff)
    counts = {"queried": 0, "paid": 0, "closed": 0}
    for order_id in list(db.session.scalars(query.order_by(PaymentOrder.created_at).limit(limit))):
        order = db.session.get(PaymentOrder, order_id)
        if order is None or order.status != "pending":
            continue
        counts["queried"] += 1
        outcome = sync(order)
        counts["paid"] += outcome == "paid"
        if order.status == "pending" and order.expires_at <= now:
            try:
                close(order, reason="expired")
                counts["closed"] += 1
            except ServiceUnavailable:
                pass
        db.session.commit()
        events.flush()
    return counts
