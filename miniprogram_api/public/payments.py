"""WeChat Pay's notification URL: payment and refund results, believed only once verified."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from app.payments import notify
from miniprogram_api.auth import public

blp = Blueprint("public_payments", __name__, description="WeChat Pay notifications (called by WeChat Pay).")


@blp.route("/payments/wechatpay/notify", methods=["POST"])
@public
@blp.response(204)
def wechatpay_notify() -> None:
    """WeChat Pay's notification: 204 once verified and booked (also for a retry); 401 when forged, late or replayed.

    The Wechatpay-Signature is checked with the platform public key (or certificate), Wechatpay-Timestamp must lie
    within five minutes, the resource is decrypted with the APIv3 key. WeChat Pay retries on any non-2xx answer.
    """
    headers = dict(request.headers.items())
    notify.receive(headers=headers, body=request.get_data(as_text=True))
