"""Refunds racing each other over real HTTP (run on PostgreSQL too): clerks approving one proposed refund at once
send it once; hand-made refunds at once never pay back more than the ledger holds for the payer."""

from __future__ import annotations

import concurrent.futures
import secrets
import uuid

import requests
from sqlalchemy import select

from app.extensions import db
from app.payments import PaymentOrder, PaymentRefund, refunds
from tests.api.payments.conftest import COURT, balance, notify, order, payer_with_notice, reduce
from tests.support.live_server import live_server

ROUNDS = 5


def _paid(client, wechatpay, world) -> dict:
    made = order(client, world)
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", wechatpay.pay(made["out_trade_no"]))
    assert notify(client, headers, body).status_code == 204
    return made


def test_concurrent_approvals_send_a_proposed_refund_once(app, client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = _paid(client, wechatpay, world)
    reduce(world, 2500)
    row = db.session.get_one(PaymentOrder, uuid.UUID(made["id"]))
    proposed = refunds.create(row, amount_fen=2500, reason="调解结案，减半收取", actor=None, status="requested")
    db.session.commit()
    url = f"{COURT}/payment-refunds/{proposed.id}/approve"

    def approve(_: int) -> int:
        headers = {**world.clerk, "Idempotency-Key": secrets.token_hex(8)}
        return requests.post(server.url + url, headers=headers, timeout=30).status_code

    with live_server(app=app) as server, concurrent.futures.ThreadPoolExecutor(ROUNDS) as pool:
        statuses = list(pool.map(approve, range(ROUNDS)))
    assert sorted(statuses) == [200] + [409] * (ROUNDS - 1)
    db.session.expire_all()
    assert [r.status for r in db.session.scalars(select(PaymentRefund))] == ["processing"]
    assert list(wechatpay.refunds) == [proposed.out_refund_no]  # WeChat Pay was asked once


def test_concurrent_refunds_never_exceed_what_the_ledger_holds(app, client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = _paid(client, wechatpay, world)
    reduce(world, 2500)
    url = f"{COURT}/payments/{made['id']}/refunds"

    def refund(_: int) -> int:
        headers = {**world.clerk, "Idempotency-Key": secrets.token_hex(8)}
        body: dict[str, int | str] = {"amount_fen": 2500, "reason": "撤诉减半"}
        return requests.post(server.url + url, json=body, headers=headers, timeout=30).status_code

    with live_server(app=app) as server, concurrent.futures.ThreadPoolExecutor(ROUNDS) as pool:
        statuses = list(pool.map(refund, range(ROUNDS)))
    assert sorted(statuses) == [201] + [409] * (ROUNDS - 1)
    db.session.expire_all()
    assert sum(r.amount_fen for r in db.session.scalars(select(PaymentRefund))) == 2500
    assert balance(world)["outstanding"] == -2500  # held until WeChat Pay confirms the one refund
