"""A lost notification recovered by the query sweep, expired orders closed, refunds with their notifications."""

from __future__ import annotations

import datetime as dt
import uuid

from app.extensions import db
from app.payments import PaymentOrder, orders
from tests.api.payments.conftest import COURT, MP, balance, notify, order, payer_with_notice, reduce


def _age(order_id: str, minutes: int) -> None:
    row = db.session.get(PaymentOrder, uuid.UUID(order_id))
    row.created_at -= dt.timedelta(minutes=minutes)
    row.expires_at -= dt.timedelta(minutes=minutes)
    db.session.commit()


def test_the_sweep_queries_an_order_whose_notification_was_lost(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    resource = wechatpay.pay(made["out_trade_no"])  # WeChat's notification never arrives
    assert orders.sweep()["queried"] == 0  # too young to ask about
    _age(made["id"], 6)
    assert orders.sweep() == {"queried": 1, "paid": 1, "closed": 0}
    assert balance(world)["paid"] == 5000
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", resource)  # it arrives after all
    assert notify(client, headers, body).status_code == 204
    assert balance(world)["paid"] == 5000


def test_the_sweep_closes_an_expired_unpaid_order(client, wechatpay):
    world = payer_with_notice()
    made = order(client, world)
    _age(made["id"], 31)
    assert orders.sweep() == {"queried": 1, "paid": 0, "closed": 1}
    shown = client.get(f"{MP}/payments/{made['id']}", headers=world.headers).get_json()
    assert shown["status"] == "closed" and shown["close_reason"] == "expired"
    assert wechatpay.orders[made["out_trade_no"]]["trade_state"] == "CLOSED"
    again = order(client, world)  # a new attempt gets a new out_trade_no
    assert again["out_trade_no"] != made["out_trade_no"] and again["status"] == "pending"


def test_the_payer_cancels_and_the_order_is_closed_at_wechat_pay(client, wechatpay):
    world = payer_with_notice()
    made = order(client, world)
    answer = client.post(f"{MP}/payments/{made['id']}/cancel", headers=world.headers)
    assert answer.status_code == 200 and answer.get_json()["status"] == "closed"
    assert wechatpay.orders[made["out_trade_no"]]["trade_state"] == "CLOSED"


def _paid(client, wechatpay, world) -> dict:
    made = order(client, world)
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", wechatpay.pay(made["out_trade_no"]))
    assert notify(client, headers, body).status_code == 204
    return made


def test_half_refund_after_a_mediated_settlement_is_booked_on_the_refund_notification(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = _paid(client, wechatpay, world)
    beyond = client.post(  # the ledger still says 5000 is owed: nothing to pay back yet
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 2500, "reason": "调解"}, headers=world.clerk
    )
    assert beyond.status_code == 409 and beyond.get_json()["reason"] == "payments.refund_exceeds_surplus"
    reduce(world, 2500)  # Art. 15's half (booked by fees when the case ends by mediation)
    answer = client.post(
        f"{COURT}/payments/{made['id']}/refunds",
        json={"amount_fen": 2500, "reason": "调解结案，减半收取"},
        headers=world.clerk,
    )
    assert answer.status_code == 201, answer.get_json()
    refund = answer.get_json()
    assert refund["status"] == "processing" and balance(world)["refunded"] == 0  # not yet confirmed
    resource = wechatpay.finish_refund(refund["out_refund_no"])
    headers, body = wechatpay.notification("REFUND.SUCCESS", resource)
    assert notify(client, headers, body).status_code == 204
    headers, body = wechatpay.notification("REFUND.SUCCESS", resource)  # a retry
    assert notify(client, headers, body).status_code == 204
    assert balance(world)["refunded"] == 2500 and balance(world)["outstanding"] == 0
    listed = client.get(f"{COURT}/cases/{world.case.id}/payments", headers=world.clerk).get_json()
    assert listed[0]["refunds"][0]["status"] == "succeeded"
    too_much = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 2501, "reason": "再退"}, headers=world.clerk
    )
    assert too_much.status_code == 409 and too_much.get_json()["reason"] == "payments.refund_exceeds_paid"


def test_a_refund_of_an_unpaid_order_and_by_a_payer_are_refused(client, wechatpay):
    world = payer_with_notice()
    made = order(client, world)
    answer = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 1, "reason": "x"}, headers=world.clerk
    )
    assert answer.status_code == 409 and answer.get_json()["reason"] == "payments.not_paid"
    other = payer_with_notice()  # another court's clerk
    answer = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 1, "reason": "x"}, headers=other.clerk
    )
    assert answer.status_code == 404


def test_the_receipt_number_is_stored_and_shown_to_the_payer(client, wechatpay):
    world = payer_with_notice()
    made = _paid(client, wechatpay, world)
    answer = client.put(
        f"{COURT}/payments/{made['id']}/receipt", json={"receipt_no": "33010124-0000123456"}, headers=world.clerk
    )
    assert answer.status_code == 200 and answer.get_json()["receipt_no"] == "33010124-0000123456"
    shown = client.get(f"{MP}/payments/{made['id']}", headers=world.headers).get_json()
    assert shown["receipt_no"] == "33010124-0000123456" and shown["receipt_recorded_at"]


def test_a_refund_whose_notification_was_lost_is_settled_by_the_sweep(client, wechatpay):
    from app.payments import PaymentRefund, refunds

    world = payer_with_notice(amount_fen=5000)
    made = _paid(client, wechatpay, world)
    reduce(world, 5000)
    refund = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 5000, "reason": "撤诉退费"}, headers=world.clerk
    ).get_json()
    wechatpay.finish_refund(refund["out_refund_no"])  # done at WeChat; the notification never comes
    assert refunds.sweep() == 0  # too young to ask about
    row = db.session.get(PaymentRefund, uuid.UUID(refund["id"]))
    row.created_at -= dt.timedelta(minutes=6)
    db.session.commit()
    assert refunds.sweep() == 1
    assert balance(world)["refunded"] == 5000


def test_a_refund_wechat_pay_refuses_is_closed_and_frees_the_amount(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = _paid(client, wechatpay, world)
    reduce(world, 5000)
    wechatpay.orders[made["out_trade_no"]]["trade_state"] = "REFUND"  # WeChat will say the order is not refundable
    refused = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 5000, "reason": "退费"}, headers=world.clerk
    )
    assert refused.status_code == 503 and refused.get_json()["reason"] == "payments.unavailable"
    listed = client.get(f"{COURT}/cases/{world.case.id}/payments", headers=world.clerk).get_json()
    assert [r["status"] for r in listed[0]["refunds"]] == ["closed"]
    wechatpay.orders[made["out_trade_no"]]["trade_state"] = "SUCCESS"
    again = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 5000, "reason": "退费"}, headers=world.clerk
    )
    assert again.status_code == 201


def test_the_clerk_asks_wechat_pay_now_when_the_payer_says_they_paid(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    asked = client.post(f"{COURT}/payments/{made['id']}/query", headers=world.clerk)
    assert asked.status_code == 200 and asked.get_json()["status"] == "pending"  # not paid: nothing moves
    wechatpay.pay(made["out_trade_no"])
    asked = client.post(f"{COURT}/payments/{made['id']}/query", headers=world.clerk)
    assert asked.status_code == 200 and asked.get_json()["status"] == "paid"
    assert balance(world)["paid"] == 5000
    assert client.post(f"{COURT}/payments/{made['id']}/query", headers=world.headers).status_code == 403  # a payer


def test_an_abnormal_refund_books_nothing_until_wechat_pay_says_it_succeeded(client, wechatpay):
    """A full refund: REFUND.ABNORMAL (the payer's card closed) shows abnormal; the later REFUND.SUCCESS books it."""
    world = payer_with_notice(amount_fen=5000)
    made = _paid(client, wechatpay, world)
    reduce(world, 5000)
    refund = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 5000, "reason": "免交退费"}, headers=world.clerk
    ).get_json()
    abnormal = wechatpay.finish_refund(refund["out_refund_no"], "ABNORMAL")
    assert notify(client, *wechatpay.notification("REFUND.ABNORMAL", abnormal)).status_code == 204
    listed = client.get(f"{COURT}/cases/{world.case.id}/payments", headers=world.clerk).get_json()
    assert listed[0]["refunds"][0]["status"] == "abnormal" and balance(world)["refunded"] == 0
    success = wechatpay.finish_refund(refund["out_refund_no"])  # the finance office resolved it at WeChat Pay
    assert notify(client, *wechatpay.notification("REFUND.SUCCESS", success)).status_code == 204
    assert balance(world)["refunded"] == 5000 and balance(world)["outstanding"] == 0
    listed = client.get(f"{COURT}/cases/{world.case.id}/payments", headers=world.clerk).get_json()
    assert listed[0]["refunds"][0]["status"] == "succeeded"
