"""Paying a fee notice with WeChat Pay from the mini-program, and (development only) the payer's payment."""

from __future__ import annotations

import uuid

from flask import request
from flask_smorest import Blueprint

from app.payments import dev, orders
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.payments import NewOrderIn, NewOrderOut, OrderOut

blp = Blueprint("mp_payments", __name__, description="Litigation fees paid with WeChat Pay.")


@blp.route("/fee-notices/<uuid:notice_id>/payments", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(NewOrderIn, required=False)
@blp.response(201, NewOrderOut)
def create_payment(data: dict, notice_id: uuid.UUID) -> dict:
    """Order what the notice still asks: wx.requestPayment parameters (jsapi), an h5_url or a QR code (native).

    The order's state changes only when WeChat Pay confirms the payment; poll GET /payments/{id} after paying.
    jsapi needs a WeChat login (409 payments.wechat_login_required); h5 and native do not. Asking for another
    channel while an order is open closes that order first (the person switched device).
    """
    channel = (data or {}).get("channel", "jsapi")
    return orders.create(
        notice_id=notice_id, actor=current_principal(), channel=channel, client_ip=request.remote_addr or ""
    )


@blp.route("/payments/<uuid:order_id>", methods=["GET"])
@login_required()
@blp.response(200, OrderOut)
def get_payment(order_id: uuid.UUID) -> dict:
    """An order of yours: pending until WeChat Pay confirms it; its receipt number once issued."""
    return orders.get(order_id=order_id, actor=current_principal())


@blp.route("/payments/<uuid:order_id>/cancel", methods=["POST"])
@login_required()
@idempotent()
@blp.response(200, OrderOut)
def cancel_payment(order_id: uuid.UUID) -> dict:
    """Give up a pending order (it is closed at WeChat Pay; a paid one stays paid)."""
    return orders.cancel(order_id=order_id, actor=current_principal())


@blp.route("/dev/payments/<uuid:order_id>/pay", methods=["POST"])
@login_required()
@blp.response(200, OrderOut)
def dev_pay(order_id: uuid.UUID) -> dict:
    """Development only (404 elsewhere): the payer pays; the built-in WeChat Pay sends its signed notification."""
    return dev.simulate_paid(order_id=order_id, actor=current_principal())
