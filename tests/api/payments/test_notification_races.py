"""Notifications racing each other over real HTTP (run on PostgreSQL too): WeChat Pay's retries of one payment
arriving at once book it once; the same signed message twice at once is answered once, refused once."""

from __future__ import annotations

import concurrent.futures

from tests.api.payments.conftest import NOTIFY, balance, order, payer_with_notice
from tests.support.live_server import live_server

ROUNDS = 6


def test_concurrent_retries_of_one_payment_book_it_once(app, client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    resource = wechatpay.pay(made["out_trade_no"])
    messages = [wechatpay.notification("TRANSACTION.SUCCESS", resource) for _ in range(ROUNDS)]
    with live_server(app=app) as server, concurrent.futures.ThreadPoolExecutor(ROUNDS) as pool:
        statuses = list(pool.map(lambda m: wechatpay.deliver(server.url + NOTIFY, *m), messages))
    assert statuses == [204] * ROUNDS
    assert balance(world)["paid"] == 5000


def test_the_same_signed_message_at_once_is_answered_once(app, client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = order(client, world)
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", wechatpay.pay(made["out_trade_no"]))
    with live_server(app=app) as server, concurrent.futures.ThreadPoolExecutor(ROUNDS) as pool:
        statuses = list(pool.map(lambda _: wechatpay.deliver(server.url + NOTIFY, headers, body), range(ROUNDS)))
    assert sorted(statuses) == [204] + [401] * (ROUNDS - 1)
    assert balance(world)["paid"] == 5000
