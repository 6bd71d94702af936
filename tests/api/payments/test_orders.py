"""Order -> pay -> notify against the fake WeChat Pay: the signed parameters, and what a notification books."""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from app.audit.models import AuditEvent
from app.cases.models import TimelineEvent
from app.extensions import db
from app.payments import PaymentOrder
from tests.api.payments.conftest import MP, balance, notify, order, payer_with_notice
from tests.support.fake_wechatpay import key_pair


def test_order_gives_the_signed_parameters_wx_request_payment_needs(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    params = made["pay_params"]
    assert made["status"] == "pending" and made["amount_fen"] == 5000
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["signType"] == "RSA" and params["appId"] == wechatpay.appid
    assert params["package"].startswith("prepay_id=wx")
    message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    wechatpay.merchant_key.public_key().verify(  # raises if the merchant did not sign exactly this
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    sent = wechatpay.orders[made["out_trade_no"]]
    assert sent["payer"]["openid"] == world.user.wechat_openid and sent["amount"] == {"total": 5000, "currency": "CNY"}
    assert all(request["authorized"] for request in wechatpay.requests)
    assert balance(world)["paid"] == 0  # ordering is not paying


def test_asking_again_hands_out_the_same_pending_order(client, wechatpay):
    world = payer_with_notice()
    first, second = order(client, world), order(client, world)
    assert first["out_trade_no"] == second["out_trade_no"] and len(wechatpay.orders) == 1


def test_no_wechat_login_is_a_clear_409(client, wechatpay):
    world = payer_with_notice(openid=False)
    answer = client.post(f"{MP}/fee-notices/{world.notice.id}/payments", headers=world.headers)
    assert answer.status_code == 409 and answer.get_json()["reason"] == "payments.wechat_login_required"
    assert "微信" in answer.get_json()["message"]  # Chinese first (app/i18n)


def test_someone_elses_notice_is_not_found(client, wechatpay):
    world, other = payer_with_notice(), payer_with_notice()
    answer = client.post(f"{MP}/fee-notices/{world.notice.id}/payments", headers=other.headers)
    assert answer.status_code == 404


def test_the_phone_saying_paid_moves_nothing_the_notification_does(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    wechatpay.pay(made["out_trade_no"])  # paid at WeChat, nothing told yet
    assert client.get(f"{MP}/payments/{made['id']}", headers=world.headers).get_json()["status"] == "pending"
    assert balance(world)["paid"] == 0
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", wechatpay.transaction(made["out_trade_no"]))
    assert notify(client, headers, body).status_code == 204
    shown = client.get(f"{MP}/payments/{made['id']}", headers=world.headers).get_json()
    assert shown["status"] == "paid" and shown["transaction_id"]
    assert balance(world)["paid"] == 5000 and balance(world)["outstanding"] == 0
    db.session.expire_all()
    assert db.session.get(type(world.notice), world.notice.id).status == "paid"
    assert db.session.query(TimelineEvent).filter_by(case_id=world.case.id, type="fee.paid").count() == 1
    assert db.session.query(AuditEvent).filter_by(action="payment.paid").count() == 1


def test_duplicated_and_retried_notifications_book_once(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    resource = wechatpay.pay(made["out_trade_no"])
    for _ in range(3):  # WeChat's retries: each a new signed message
        headers, body = wechatpay.notification("TRANSACTION.SUCCESS", resource)
        assert notify(client, headers, body).status_code == 204
    assert balance(world)["paid"] == 5000


def test_out_of_order_a_late_success_after_a_close_still_books(client, wechatpay):
    """The payer paid at the last second while the order was being closed: money moved, so it is booked."""
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    resource = wechatpay.pay(made["out_trade_no"])
    answer = client.post(f"{MP}/payments/{made['id']}/cancel", headers=world.headers)  # WeChat says ORDER_PAID
    assert answer.status_code == 200 and answer.get_json()["status"] == "paid"  # the close became a query
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", resource)  # the notification arrives after
    assert notify(client, headers, body).status_code == 204
    assert balance(world)["paid"] == 5000


def test_forged_replayed_and_late_notifications_are_refused(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    resource = wechatpay.pay(made["out_trade_no"])
    forged_headers, forged_body = wechatpay.notification("TRANSACTION.SUCCESS", resource, key=key_pair("forger"))
    answer = notify(client, forged_headers, forged_body)
    assert answer.status_code == 401 and answer.get_json()["reason"] == "payments.notification_forged"
    late_headers, late_body = wechatpay.notification("TRANSACTION.SUCCESS", resource, at=time.time() - 301)
    answer = notify(client, late_headers, late_body)
    assert answer.status_code == 401 and answer.get_json()["reason"] == "payments.notification_late"
    tampered = forged_body.replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ")
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", resource)
    assert notify(client, headers, body.replace('"summary"', '"summary" ')).status_code == 401  # body changed
    assert notify(client, {**headers, "Wechatpay-Signature": ""}, tampered).status_code == 401
    assert balance(world)["paid"] == 0
    assert notify(client, headers, body).status_code == 204  # the genuine one
    replay = notify(client, headers, body)  # the same signed message again
    assert replay.status_code == 401 and replay.get_json()["reason"] == "payments.notification_replayed"
    assert balance(world)["paid"] == 5000


def test_a_wrong_merchant_key_is_refused_by_wechat_pay_with_401(app, client, wechatpay):
    from tests.support.fake_wechatpay import pem_private

    app.config["WECHATPAY_PRIVATE_KEY"] = pem_private(key_pair("forger"))
    app.extensions.pop("microcourt.wechatpay", None)
    world = payer_with_notice()
    answer = client.post(f"{MP}/fee-notices/{world.notice.id}/payments", headers=world.headers)
    assert answer.status_code == 503 and answer.get_json()["reason"] == "payments.unavailable"
    assert wechatpay.requests[-1]["authorized"] is False and not wechatpay.orders
    assert db.session.query(PaymentOrder).count() == 0


def test_platform_certificate_mode_downloads_the_certificate_and_verifies_with_it(app, client, wechatpay, tmp_path):
    app.config.update(wechatpay.merchant_config(cert_dir=str(tmp_path / "certs")))
    app.extensions.pop("microcourt.wechatpay", None)
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)  # the SDK fetched GET /v3/certificates first and verified the answer with it
    assert [r["path"] for r in wechatpay.requests][:1] == ["/v3/certificates"]
    assert list((tmp_path / "certs").glob("*.pem"))
    resource = wechatpay.pay(made["out_trade_no"])
    forged = wechatpay.notification("TRANSACTION.SUCCESS", resource, key=key_pair("forger"))
    assert notify(client, *forged).status_code == 401
    assert notify(client, *wechatpay.notification("TRANSACTION.SUCCESS", resource)).status_code == 204
    assert balance(world)["paid"] == 5000


def test_the_court_system_hears_of_the_payment_by_webhook(client, wechatpay):
    from app.security import pii
    from app.webhooks import WebhookDelivery, WebhookSubscription, events
    from app.webhooks.deliveries import SECRET_FIELD

    assert {"payment.paid", "payment.refunded"} <= events.known()
    world = payer_with_notice(amount_fen=5000)
    db.session.add(
        WebhookSubscription(
            court_id=world.court.id,
            url="http://127.0.0.1:9/hook",
            events=["payment.paid"],
            secret_enc=pii.encrypt("s" * 32, field=SECRET_FIELD),
            created_by="t",
        )
    )
    db.session.commit()
    made = order(client, world)
    assert (
        notify(client, *wechatpay.notification("TRANSACTION.SUCCESS", wechatpay.pay(made["out_trade_no"]))).status_code
        == 204
    )
    [delivery] = db.session.query(WebhookDelivery).all()
    assert delivery.event_type == "payment.paid" and made["out_trade_no"] in delivery.body


def test_a_signed_notification_whose_resource_does_not_decrypt_is_refused(client, wechatpay):
    """AEAD_AES_256_GCM: a resource sealed with another APIv3 key fails its tag, however well it is signed."""
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    resource = wechatpay.pay(made["out_trade_no"])
    genuine, wechatpay.apiv3_key = wechatpay.apiv3_key, "b" * 32
    try:
        headers, body = wechatpay.notification("TRANSACTION.SUCCESS", resource)  # signed by the platform key
    finally:
        wechatpay.apiv3_key = genuine
    answer = notify(client, headers, body)
    assert answer.status_code == 401 and answer.get_json()["reason"] == "payments.notification_forged"
    assert balance(world)["paid"] == 0
    assert notify(client, *wechatpay.notification("TRANSACTION.SUCCESS", resource)).status_code == 204
    assert balance(world)["paid"] == 5000
