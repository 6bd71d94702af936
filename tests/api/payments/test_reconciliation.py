"""The daily bill against the ledger: balanced, and every planted difference reported to the court."""

from __future__ import annotations

import pytest

from app.errors import NotFound
from app.payments import reconciliation
from app.utils import clock
from tests.api.payments.conftest import COURT, notify, order, payer_with_notice, reduce
from tests.support.factories import grant, login, make_org, make_user
from tests.support.review import principal


def _paid(client, wechatpay, world) -> dict:
    made = order(client, world)
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", wechatpay.pay(made["out_trade_no"]))
    assert notify(client, headers, body).status_code == 204
    return made


ADMIN = "/api/admin/v1"


def _run(client, world) -> dict:
    today = clock.now_shanghai().date().isoformat()
    answer = client.post(f"{COURT}/payments/reconciliations", json={"bill_date": today}, headers=world.clerk)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_bill_matching_the_ledger_is_balanced(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    made = _paid(client, wechatpay, world)
    reduce(world, 2500)
    refund = client.post(
        f"{COURT}/payments/{made['id']}/refunds", json={"amount_fen": 2500, "reason": "撤诉减半"}, headers=world.clerk
    ).get_json()
    headers, body = wechatpay.notification("REFUND.SUCCESS", wechatpay.finish_refund(refund["out_refund_no"]))
    assert notify(client, headers, body).status_code == 204
    report = _run(client, world)
    assert report["status"] == "balanced" and report["differences"] == []
    assert report["bill_rows"] == 2 and report["ledger_rows"] == 2


def test_planted_differences_are_each_reported(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    first = _paid(client, wechatpay, world)
    second_world = payer_with_notice(amount_fen=8000)
    second = _paid(client, wechatpay, second_world)
    wechatpay.bill_amounts[first["out_trade_no"]] = 4999  # the bill says another amount
    wechatpay.bill_dropped.add(second["out_trade_no"])  # the bill lacks a payment the ledger has
    wechatpay.bill_extra_rows.append(  # a payment WeChat took that the ledger never heard of
        {"transaction_id": "4200000000000000000000009999", "out_trade_no": "MC20261206UNKNOWN", "total_fen": 100}
    )
    report = _run(client, world)
    assert report["status"] == "differences"
    found = {(d["difference"], d["out_trade_no"]): d for d in report["differences"]}
    mismatch = found[("amount_mismatch", first["out_trade_no"])]
    assert (mismatch["bill_fen"], mismatch["ledger_fen"], mismatch["case_id"]) == (4999, 5000, str(world.case.id))
    assert ("missing_in_ledger", "MC20261206UNKNOWN") in found
    assert ("missing_in_bill", second["out_trade_no"]) not in found  # another court's case: not this clerk's
    theirs = client.get(f"{COURT}/payments/reconciliations", headers=second_world.clerk).get_json()[0]
    kinds = {(d["difference"], d["out_trade_no"]) for d in theirs["differences"]}
    assert ("missing_in_bill", second["out_trade_no"]) in kinds and ("missing_in_ledger", "MC20261206UNKNOWN") in kinds
    assert ("amount_mismatch", first["out_trade_no"]) not in kinds
    # the platform's operators see every difference of every court, and only they may ask
    admin = make_user()
    grant(admin, role="platform_admin")
    everything = client.get(f"{ADMIN}/payments/reconciliations", headers=login(admin))
    assert everything.status_code == 200, everything.get_json()
    all_kinds = {(d["difference"], d["out_trade_no"]) for d in everything.get_json()[0]["differences"]}
    assert all_kinds == set(found) | kinds
    refused = client.get(f"{ADMIN}/payments/reconciliations", headers=world.clerk)
    assert refused.status_code == 404


def test_a_bill_that_cannot_be_had_is_a_failed_report(app, client, wechatpay):
    world = payer_with_notice()
    app.config["WECHATPAY_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens
    app.extensions.pop("microcourt.wechatpay", None)
    report = _run(client, world)
    assert report["status"] == "failed" and report["error"]


def test_a_bill_that_does_not_match_its_announced_hash_is_a_failed_report(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    _paid(client, wechatpay, world)
    wechatpay.bill_hash = "0" * 40  # the file was altered on the way (or truncated)
    report = _run(client, world)
    assert report["status"] == "failed" and report["differences"] == []
    assert "SHA1" in report["error"] or "BILL_HASH_MISMATCH" in report["error"]


def test_others_are_answered_as_every_administration_route_answers_them(client):
    """Not an admin: 404 `resource.not_found` as on the sibling admin routes (not a 403 naming what is there)."""
    clerk, org_admin, citizen = make_user(), make_user(), make_user()
    grant(clerk, role="clerk", court=payer_with_notice().court)
    grant(org_admin, role="org_admin", org=make_org())
    with pytest.raises(NotFound) as refused:  # the service itself, whoever calls it
        reconciliation.list_all(actor=principal(clerk))
    assert refused.value.reason == "resource.not_found"
    for path in (f"{ADMIN}/payments/reconciliations", f"{ADMIN}/clients", f"{ADMIN}/lawyers"):
        anonymous = client.get(path)
        assert (anonymous.status_code, anonymous.get_json()["reason"]) == (401, "auth.token_missing"), path
        for user in (clerk, org_admin, citizen):
            answer = client.get(path, headers=login(user))
            assert (answer.status_code, answer.get_json()["reason"]) == (404, "resource.not_found"), path
    operation = client.get("/api/openapi.json").get_json()["paths"][f"{ADMIN}/payments/reconciliations"]["get"]
    assert "403" not in operation["responses"] and "403" not in operation["x-error-reasons"]
    assert "resource.not_found" in operation["x-error-reasons"]["404"]
