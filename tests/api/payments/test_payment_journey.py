"""The whole journey over HTTP across people and systems: the plaintiff files, the court accepts, the notice to
pay arrives, the plaintiff orders and pays in WeChat, WeChat Pay (the fake on 127.0.0.1) sends its notification
to the app's public notification URL (a real HTTP server), the ledger shows the payment and the case proceeds;
then the plaintiff withdraws, the court permits it (准予撤诉): the fee is halved by itself (Art. 15), the refund of the
half paid is proposed, a clerk approves it in one action and WeChat Pay's refund notification books it: balance 0."""

from __future__ import annotations

import secrets
import uuid

from app.cases import Case
from app.extensions import db
from app.payments import client as payment_client
from tests.api.payments.conftest import COURT, MP, NOTIFY
from tests.support.cases import filing
from tests.support.factories import login, make_court, make_user
from tests.support.live_server import live_server
from tests.support.review import staff


def test_file_accept_notice_pay_notify_and_the_case_proceeds(app, client, wechatpay):
    court = make_court()
    filer = make_user(real_name="张三")
    filer.wechat_openid = "o" + secrets.token_hex(12)
    db.session.commit()
    plaintiff, clerk = login(filer), login(staff(court, "clerk"))

    filed = client.post(
        f"{MP}/cases",
        json=filing(kind="litigation", court=court, amount="10000.00"),
        headers={**plaintiff, "Idempotency-Key": secrets.token_hex(8)},
    )
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["id"]
    accepted = client.post(f"{COURT}/cases/{case_id}/accept", json={}, headers=clerk)
    assert accepted.status_code == 200, accepted.get_json()

    fees = client.get(f"{MP}/cases/{case_id}/fees", headers=plaintiff).get_json()
    [notice] = fees["notices"]
    assert notice["status"] == "unpaid" and fees["balance"]["outstanding"] == notice["amount_fen"] > 0

    with live_server(app=app) as server:
        app.config["WECHATPAY_NOTIFY_URL"] = server.url + NOTIFY
        app.extensions.pop(payment_client.EXTENSION_KEY, None)
        ordered = client.post(f"{MP}/fee-notices/{notice['id']}/payments", headers=plaintiff)
        assert ordered.status_code == 201, ordered.get_json()
        made = ordered.get_json()
        assert made["amount_fen"] == notice["amount_fen"] and made["pay_params"]["signType"] == "RSA"
        assert wechatpay.orders[made["out_trade_no"]]["notify_url"] == server.url + NOTIFY

        # wx.requestPayment succeeds on the phone; WeChat Pay tells the app (twice, as it does on a slow answer)
        resource = wechatpay.pay(made["out_trade_no"])
        url = wechatpay.orders[made["out_trade_no"]]["notify_url"]
        for _ in range(2):
            headers, body = wechatpay.notification("TRANSACTION.SUCCESS", resource)
            assert wechatpay.deliver(url, headers, body) == 204

        # paid, and only now on the verified notification: the case proceeds to its next step
        assert client.get(f"{MP}/cases/{case_id}/fees", headers=plaintiff).get_json()["notices"][0]["status"] == "paid"
        period = client.post(
            f"{COURT}/cases/{case_id}/evidence-period",
            json={"procedure": "summary", "days": 15},
            headers={**clerk, "Idempotency-Key": secrets.token_hex(8)},
        )
        assert period.status_code == 201, period.get_json()

        closed = client.post(
            f"{COURT}/cases/{case_id}/decision",
            json={"closing_method": "withdrawal_permitted", "note": "原告申请撤诉，准许"},
            headers={**clerk, "Idempotency-Key": secrets.token_hex(8)},
        )
        assert closed.status_code == 200, closed.get_json()
        halved = client.get(f"{MP}/cases/{case_id}/fees", headers=plaintiff).get_json()["balance"]
        assert halved["reduced"] == notice["amount_fen"] // 2 and halved["outstanding"] == -halved["reduced"]
        [proposed] = client.get(f"{COURT}/payment-refunds", headers=clerk).get_json()
        assert proposed["status"] == "requested" and proposed["amount_fen"] == notice["amount_fen"] // 2
        assert proposed["case_id"] == case_id
        approved = client.post(
            f"{COURT}/payment-refunds/{proposed['id']}/approve",
            headers={**clerk, "Idempotency-Key": secrets.token_hex(8)},
        )
        assert approved.status_code == 200, approved.get_json()
        refund = approved
        assert client.get(f"{COURT}/payment-refunds", headers=clerk).get_json() == []
        headers, body = wechatpay.notification(
            "REFUND.SUCCESS", wechatpay.finish_refund(refund.get_json()["out_refund_no"])
        )
        assert wechatpay.deliver(url, headers, body) == 204

    db.session.expire_all()
    shown = client.get(f"{MP}/payments/{made['id']}", headers=plaintiff).get_json()
    assert shown["status"] == "paid"
    after = client.get(f"{MP}/cases/{case_id}/fees", headers=plaintiff).get_json()
    assert after["notices"][0]["status"] == "paid"
    assert after["balance"]["paid"] == notice["amount_fen"]
    assert after["balance"]["refunded"] == notice["amount_fen"] // 2 and after["balance"]["outstanding"] == 0
    assert client.get(f"{COURT}/fee-notices", headers=clerk).get_json()["items"] == []  # nothing left to chase
    assert db.session.get(Case, uuid.UUID(case_id)).status == "closed"  # withdrawn with permission, not for the fee
    types = [e["type"] for e in client.get(f"{MP}/cases/{case_id}/timeline", headers=plaintiff).get_json()]
    assert {"fee.paid", "fee.halved", "fee.refund_proposed", "fee.refunded"} <= set(types)


def test_development_mode_walks_the_journey_without_wechat_pay(app, client):
    """make run: the built-in WeChat Pay stand-in; the dev route plays the payer and sends a signed notification."""
    app.config.update(PAYMENTS_ENABLED=True, WECHATPAY_MODE="dev")
    app.extensions.pop(payment_client.EXTENSION_KEY, None)
    from tests.api.payments.conftest import balance, payer_with_notice

    world = payer_with_notice(amount_fen=5000)
    made = client.post(f"{MP}/fee-notices/{world.notice.id}/payments", headers=world.headers).get_json()
    paid = client.post(f"{MP}/dev/payments/{made['id']}/pay", headers=world.headers)
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert balance(world)["paid"] == 5000
    app.config["MICROCOURT_ENV"] = "production"  # the dev route is gone anywhere but development
    assert client.post(f"{MP}/dev/payments/{made['id']}/pay", headers=world.headers).status_code == 404
