"""Authorization rows for WeChat Pay payments (app/payments).

The world's citizen (the plaintiff of the world's case, logged in with WeChat) orders, reads, cancels and (in
development) pays a notice; the world's court staff (clerk, judge, machine) read it and the case's payments,
refund (of money the ledger holds: a reduction is booked first), approve a proposed refund, record the receipt
number; every court's staff read and run reconciliations and list their proposed refunds; platform admins read every
reconciliation. WeChat Pay's notification
URL is public and answers an unsigned call 401.
"""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select

from app.cases.models import CaseParty
from app.extensions import db
from app.fees import FeeNotice, ledger
from app.identity import login_sessions
from app.payments import PaymentOrder, dev, orders, refunds
from app.utils import clock
from tests.security.routes import ADMIN, ADMIN_P, COURT, COURT_STAFF, MP, PUBLIC, Route
from tests.security.world import NONEXISTENT, World

WORLD_COURT = frozenset({"clerk", "judge", "machine"})
PAYER = frozenset({"citizen"})


def _notice(w: World) -> str:
    """A notice to pay on the world's case for the citizen (who gets a WeChat openid)."""
    if "fee_notice_id" not in w.extra:
        citizen = w.people["citizen"]
        citizen.wechat_openid = citizen.wechat_openid or "o" + secrets.token_hex(12)
        party = db.session.scalar(
            select(CaseParty).where(CaseParty.case_id == w.case.id, CaseParty.user_id == citizen.id)
        )
        notice = FeeNotice(
            case_id=w.case.id,
            party_id=party.id,
            court_id=w.court.id,
            purpose="acceptance",
            amount_fen=5000,
            original_amount_fen=5000,
            basis={},
            deadline={},
            issued_at=clock.now(),
            status="unpaid",
        )
        db.session.add(notice)
        db.session.flush()
        ledger.post(case_id=w.case.id, party_id=party.id, kind="due", amount_fen=5000, reference=f"n:{notice.id}")
        db.session.commit()
        w.extra["fee_notice_id"] = str(notice.id)
    return w.extra["fee_notice_id"]


def _order(w: World) -> str:
    if "payment_order_id" not in w.extra:
        _notice(w)
        citizen = login_sessions.load_principal(w.people["citizen"])
        w.extra["payment_order_id"] = str(
            orders.create(notice_id=uuid.UUID(str(w.extra["fee_notice_id"])), actor=citizen)["id"]
        )
    return w.extra["payment_order_id"]


def _paid(w: World) -> str:
    """The citizen's order, paid through the development WeChat Pay (a verified notification)."""
    order_id = _order(w)
    if not w.extra.get("payment_paid"):
        dev.simulate_paid(order_id=uuid.UUID(order_id), actor=login_sessions.load_principal(w.people["citizen"]))
        w.extra["payment_paid"] = True
    return order_id


def _refundable(w: World) -> str:
    """A paid order whose payer the ledger holds 100 fen for (a reduction booked after payment)."""
    order_id = _paid(w)
    if not w.extra.get("payment_reduced"):
        order = db.session.get(PaymentOrder, uuid.UUID(order_id))
        ledger.post(case_id=order.case_id, party_id=order.party_id, kind="reduced", amount_fen=100, reference="t:red")
        db.session.commit()
        w.extra["payment_reduced"] = True
    return order_id


def _proposed(w: World) -> str:
    """A fresh refund of 1 fen proposed on the paid order (each caller approves its own)."""
    order = db.session.get(PaymentOrder, uuid.UUID(_paid(w)))
    refund = refunds.create(order, amount_fen=1, reason="调解结案，减半收取", actor=None, status="requested")
    db.session.commit()
    return str(refund.id)


ROUTES = [
    Route(
        "POST",
        f"{MP}/fee-notices/<uuid:notice_id>/payments",
        "user",
        PAYER,
        lambda w: f"/fee-notices/{_notice(w)}/payments",
    ),
    Route(
        "GET", f"{MP}/payments/<uuid:order_id>", "user", PAYER | {"clerk", "judge"}, lambda w: f"/payments/{_order(w)}"
    ),
    Route("POST", f"{MP}/payments/<uuid:order_id>/cancel", "user", PAYER, lambda w: f"/payments/{_order(w)}/cancel"),
    Route("POST", f"{MP}/dev/payments/<uuid:order_id>/pay", "user", PAYER, lambda w: f"/dev/payments/{_order(w)}/pay"),
    Route(
        "GET", f"{COURT}/cases/<uuid:case_id>/payments", "any", WORLD_COURT, lambda w: f"/cases/{w.case.id}/payments"
    ),
    Route(
        "POST", f"{COURT}/payments/<uuid:order_id>/query", "any", WORLD_COURT, lambda w: f"/payments/{_order(w)}/query"
    ),
    Route(
        "POST",
        f"{COURT}/payments/<uuid:order_id>/refunds",
        "any",
        WORLD_COURT,
        lambda w: f"/payments/{_refundable(w)}/refunds",
        lambda w: {"amount_fen": 1, "reason": "调解结案退费"},
    ),
    Route(
        "PUT",
        f"{COURT}/payments/<uuid:order_id>/receipt",
        "any",
        WORLD_COURT,
        lambda w: f"/payments/{_paid(w)}/receipt",
        lambda w: {"receipt_no": "33010124-0000000001"},
    ),
    Route("GET", f"{COURT}/payments/reconciliations", "any", COURT_STAFF),
    Route("GET", f"{COURT}/payment-refunds", "any", COURT_STAFF),
    Route(
        "POST",
        f"{COURT}/payment-refunds/<uuid:refund_id>/approve",
        "any",
        WORLD_COURT,
        lambda w: f"/payment-refunds/{_proposed(w)}/approve",
    ),
    Route(
        "POST",
        f"{COURT}/payment-refunds/<uuid:refund_id>/decline",
        "any",
        WORLD_COURT,
        lambda w: f"/payment-refunds/{_proposed(w)}/decline",
        lambda w: {"reason": "当事人已另行结算"},
    ),
    Route("GET", f"{ADMIN_P}/payments/reconciliations", "user", ADMIN),
    Route(
        "POST",
        f"{COURT}/payments/reconciliations",
        "any",
        COURT_STAFF,
        body=lambda w: {"bill_date": clock.now_shanghai().date().isoformat()},
    ),
    Route("POST", f"{PUBLIC}/payments/wechatpay/notify", "public", public_status=401, body=lambda w: {}),
]

NONEXISTENT_PATHS = {
    f"{MP}/fee-notices/<uuid:notice_id>/payments": f"/fee-notices/{NONEXISTENT}/payments",
    f"{MP}/payments/<uuid:order_id>": f"/payments/{NONEXISTENT}",
    f"{MP}/payments/<uuid:order_id>/cancel": f"/payments/{NONEXISTENT}/cancel",
    f"{MP}/dev/payments/<uuid:order_id>/pay": f"/dev/payments/{NONEXISTENT}/pay",
    f"{COURT}/cases/<uuid:case_id>/payments": f"/cases/{NONEXISTENT}/payments",
    f"{COURT}/payments/<uuid:order_id>/query": f"/payments/{NONEXISTENT}/query",
    f"{COURT}/payments/<uuid:order_id>/refunds": f"/payments/{NONEXISTENT}/refunds",
    f"{COURT}/payments/<uuid:order_id>/receipt": f"/payments/{NONEXISTENT}/receipt",
    f"{COURT}/payment-refunds/<uuid:refund_id>/approve": f"/payment-refunds/{NONEXISTENT}/approve",
    f"{COURT}/payment-refunds/<uuid:refund_id>/decline": f"/payment-refunds/{NONEXISTENT}/decline",
}
