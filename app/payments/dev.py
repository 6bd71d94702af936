"""Development only (WECHATPAY_MODE=dev, never production): the payer pays, as WeChat Pay would tell us.

The in-process stand-in marks the order paid on its side and sends the signed, encrypted notification through
the same `notify.receive` the public notification URL uses, so the ledger moves exactly as it would in
production. Anywhere else this answers 404.
"""

from __future__ import annotations

import uuid

from app.errors import NotFound
from app.integrations.wechatpay_dev import DevWeChatPay
from app.payments import client, notify, orders
from app.payments.views import order_view
from app.platform import settings
from app.security.permissions import Principal


def simulate_paid(*, order_id: uuid.UUID, actor: Principal) -> dict:
    """The payer completes wx.requestPayment; the notification follows (404 outside development)."""
    fake = client.current() if settings.http().env_name != "production" else None
    if not isinstance(fake, DevWeChatPay):
        raise NotFound("Not found.", reason="resource.not_found")
    order = orders.load(order_id, actor=actor, payer_only=True)
    if order.status == "pending":
        transaction = fake.pay(order.out_trade_no, order.amount_fen)
        headers, body = fake.notification("TRANSACTION.SUCCESS", transaction)
        notify.receive(headers=headers, body=body)
    return order_view(orders.load(order_id, actor=actor))
