"""Payments: litigation fees paid with WeChat Pay (API v3, mini-program JSAPI) and paid back.

Orders for a fee notice with the signed wx.requestPayment parameters, verified notifications, order query
(and the sweep that recovers a lost notification) and close, refunds the court asks for, the 电子票据 receipt
number per payment, and the daily reconciliation of WeChat Pay's bill against the fee ledger. It sits above
fees: money is booked only through `app.fees.ledger.post`, and only on what WeChat Pay vouched for (a verified
notification or a signed query answer), never on the phone's word. The protocol client is
app/integrations/wechatpay.py (the SDK); docs/payments.md says how a merchant is set up.

Other packages import only what `__all__` names.
"""

from app.payments.models import PaymentNotification, PaymentOrder, PaymentRefund, ReconciliationReport

__all__ = [
    "PaymentNotification",
    "PaymentOrder",
    "PaymentRefund",
    "ReconciliationReport",
    "client",
    "demo",
    "dev",
    "events",
    "notify",
    "orders",
    "queries",
    "receipts",
    "reconciliation",
    "refunds",
    "surplus",
]
