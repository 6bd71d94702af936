"""Paying outside the mini-program (issue 19): H5 orders for a phone browser, Native QR codes for a desktop.

Against the fake WeChat Pay on 127.0.0.1, which checks the fields the real /v3/pay/transactions/h5 and /native
require and the merchant's signature. The rules are the JSAPI order's: the amount is the notice's, one open order
per notice (switching device closes the other channel's), money moves only on a verified notification.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from urllib.parse import parse_qs, urlsplit

from app.extensions import db
from app.payments import PaymentOrder
from app.utils import clock
from tests.api.payments.conftest import MP, balance, notify, order, payer_with_notice


def _order(client, world, channel: str, *, key: str | None = None, ip: str = "203.0.113.7", **body):
    headers = {**world.headers, **({"Idempotency-Key": key} if key else {})}
    return client.post(
        f"{MP}/fee-notices/{world.notice.id}/payments",
        json={"channel": channel, **body},
        headers=headers,
        environ_base={"REMOTE_ADDR": ip},
    )


def test_native_order_answers_the_code_url_and_its_qr_image(client, wechatpay):
    world = payer_with_notice(amount_fen=5000, openid=False)  # an SMS-only account may pay by QR
    answer = _order(client, world, "native")
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert made["channel"] == "native" and made["status"] == "pending" and made["amount_fen"] == 5000
    assert made["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert made["code_qr_png"].startswith("data:image/png;base64,")
    assert base64.b64decode(made["code_qr_png"].split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "pay_params" not in made and "h5_url" not in made
    assert made["pay_url_expires_at"] == made["expires_at"]
    [sent] = wechatpay.order_bodies
    assert sent["_kind"] == "native"
    assert sent["amount"] == {"total": 5000, "currency": "CNY"} and "payer" not in sent
    assert sent["appid"] == wechatpay.appid and sent["mchid"] == wechatpay.mchid
    assert sent["notify_url"].endswith("/api/public/v1/payments/wechatpay/notify")
    assert sent["attach"] == str(world.notice.id)


def test_h5_order_sends_the_payer_ip_and_returns_to_the_fees_page(client, wechatpay):
    world = payer_with_notice(amount_fen=1234, openid=False)
    answer = _order(client, world, "h5", ip="198.51.100.23")
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert made["channel"] == "h5"
    url = urlsplit(made["h5_url"])
    assert url.netloc == "wx.tenpay.com"
    [back] = parse_qs(url.query)["redirect_url"]
    assert back.endswith(f"/h5/#/cases/{world.case.id}/fees")
    assert "%23%2Fcases%2F" in made["h5_url"]  # urlencoded, so the fragment belongs to redirect_url
    expires = dt.datetime.fromisoformat(made["pay_url_expires_at"])
    assert expires <= clock.now() + dt.timedelta(minutes=5, seconds=1)
    [sent] = wechatpay.order_bodies
    assert sent["scene_info"] == {"payer_client_ip": "198.51.100.23", "h5_info": {"type": "Wap"}}
    assert sent["amount"]["total"] == 1234 and "payer" not in sent


def test_no_body_is_still_a_jsapi_order(client, wechatpay):
    world = payer_with_notice()
    made = order(client, world)
    assert made["channel"] == "jsapi" and made["pay_params"]["package"].startswith("prepay_id=")
    assert made["pay_url_expires_at"] is None
    assert _order(client, payer_with_notice(openid=False), "jsapi").get_json()["reason"] == (
        "payments.wechat_login_required"
    )


def test_the_amount_is_the_notices_whatever_the_client_sends(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    answer = _order(client, world, "native", amount_fen=1)
    assert answer.status_code == 422  # no such field
    assert wechatpay.order_bodies == []


def test_asking_again_hands_out_the_same_open_native_order(client, wechatpay):
    world = payer_with_notice()
    first, again = _order(client, world, "native").get_json(), _order(client, world, "native").get_json()
    assert again["id"] == first["id"] and again["code_url"] == first["code_url"]
    assert len(wechatpay.order_bodies) == 1


def test_an_expired_h5_link_is_replaced_by_a_new_order(client, wechatpay):
    world = payer_with_notice()
    first = _order(client, world, "h5").get_json()
    row = db.session.get(PaymentOrder, uuid.UUID(first["id"]))
    row.pay_url_expires_at = clock.now() + dt.timedelta(seconds=10)  # about to stop working
    db.session.commit()
    second = _order(client, world, "h5").get_json()
    assert second["id"] != first["id"]
    assert wechatpay.orders[first["out_trade_no"]]["trade_state"] == "CLOSED"
    shown = client.get(f"{MP}/payments/{first['id']}", headers=world.headers).get_json()
    assert shown["status"] == "closed" and shown["close_reason"] == "superseded"


def test_switching_device_closes_the_open_order_of_the_other_channel(client, wechatpay):
    world = payer_with_notice()
    jsapi = order(client, world)
    native = _order(client, world, "native").get_json()
    assert native["id"] != jsapi["id"]
    assert wechatpay.orders[jsapi["out_trade_no"]]["trade_state"] == "CLOSED"
    pending = db.session.query(PaymentOrder).filter_by(notice_id=world.notice.id, status="pending").all()
    assert [o.channel for o in pending] == ["native"]


def test_an_order_paid_meanwhile_is_booked_and_nothing_new_is_ordered(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    native = _order(client, world, "native").get_json()
    wechatpay.pay(native["out_trade_no"])  # scanned and paid; the notification has not come yet
    answer = _order(client, world, "h5")
    assert answer.status_code == 409 and answer.get_json()["reason"] == "payments.nothing_due"
    assert balance(world)["paid"] == 5000
    assert client.get(f"{MP}/payments/{native['id']}", headers=world.headers).get_json()["status"] == "paid"
    assert [b["_kind"] for b in wechatpay.order_bodies] == ["native"]


def test_scanning_the_qr_code_pays_only_when_the_notification_says_so(client, wechatpay):
    world = payer_with_notice(amount_fen=5000, openid=False)
    made = _order(client, world, "native").get_json()
    transaction = wechatpay.pay(made["out_trade_no"])
    assert client.get(f"{MP}/payments/{made['id']}", headers=world.headers).get_json()["status"] == "pending"
    assert transaction["trade_type"] == "NATIVE"
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", transaction)
    assert notify(client, headers, body).status_code == 204
    shown = client.get(f"{MP}/payments/{made['id']}", headers=world.headers).get_json()
    assert shown["status"] == "paid" and shown["channel"] == "native"
    assert balance(world)["outstanding"] == 0


def test_a_merchant_without_h5_pay_gets_a_clear_409_and_native_still_works(client, wechatpay):
    wechatpay.h5_enabled = False
    world = payer_with_notice()
    refused = _order(client, world, "h5")
    assert refused.status_code == 409 and refused.get_json()["reason"] == "payments.channel_unavailable"
    assert _order(client, world, "native").status_code == 201


def test_the_idempotency_key_replays_the_same_order(client, wechatpay):
    world = payer_with_notice()
    first = _order(client, world, "native", key="pay-1").get_json()
    again = _order(client, world, "native", key="pay-1").get_json()
    assert again == first
    assert _order(client, world, "h5", key="pay-1").status_code == 422  # same key, another body


def test_a_stranger_cannot_order_for_the_notice(client, wechatpay):
    world, other = payer_with_notice(), payer_with_notice()
    answer = client.post(
        f"{MP}/fee-notices/{world.notice.id}/payments", json={"channel": "native"}, headers=other.headers
    )
    assert answer.status_code == 404
    assert wechatpay.order_bodies == []


def test_the_sweep_queries_and_closes_expired_native_orders(app, client, wechatpay):
    from app.payments import orders

    world = payer_with_notice()
    made = _order(client, world, "native").get_json()
    row = db.session.get(PaymentOrder, uuid.UUID(made["id"]))
    row.created_at = row.created_at - dt.timedelta(hours=1)
    row.expires_at = clock.now() - dt.timedelta(minutes=1)
    db.session.commit()
    assert orders.sweep()["closed"] == 1
    assert wechatpay.orders[made["out_trade_no"]]["trade_state"] == "CLOSED"
