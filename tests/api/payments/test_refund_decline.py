"""The court declines a refund the system proposed: nothing goes to WeChat Pay, the ledger is untouched, and what
the ledger holds for the payer is free again (the court may refund it another way)."""

from __future__ import annotations

import secrets
import uuid

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import TimelineEvent
from app.errors import Conflict, NotFound
from app.extensions import db
from app.payments import PaymentOrder, PaymentRefund, refunds, surplus
from tests.api.payments.conftest import COURT, balance, payer_with_notice, reduce
from tests.api.payments.test_refund_races import _paid
from tests.support.factories import make_court
from tests.support.review import principal, staff


def _proposed(client, wechatpay, world, amount_fen: int = 2500) -> PaymentRefund:
    made = _paid(client, wechatpay, world)
    reduce(world, amount_fen)
    row = db.session.get_one(PaymentOrder, uuid.UUID(made["id"]))
    proposed = refunds.create(row, amount_fen=amount_fen, reason="调解结案，减半收取", actor=None, status="requested")
    db.session.commit()
    return proposed


def test_declining_a_proposed_refund_leaves_the_ledger_and_frees_the_surplus(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    proposed = _proposed(client, wechatpay, world)
    before = balance(world)
    assert refunds.held(world.case.id, world.party.id) == 0  # the proposal counts against the surplus
    clerk = principal(staff(world.court, "clerk"))
    with pytest.raises(NotFound):  # another court's clerk does not see it
        surplus.decline(refund_id=proposed.id, reason="x", actor=principal(staff(make_court(), "clerk")))
    db.session.rollback()
    view = surplus.decline(refund_id=proposed.id, reason="当事人已另行结算", actor=clerk)
    assert view["status"] == "declined" and wechatpay.refunds == {}
    assert balance(world) == before and refunds.held(world.case.id, world.party.id) == 2500
    event = db.session.scalars(select(TimelineEvent).where(TimelineEvent.type == "fee.refund_declined")).one()
    assert event.reason == "当事人已另行结算" and event.case_id == world.case.id
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.refund_declined")).one()
    with pytest.raises(Conflict) as again:
        surplus.decline(refund_id=proposed.id, reason="again", actor=clerk)
    assert again.value.reason == "payments.refund_not_requested"


def test_decline_over_http(client, wechatpay):
    world = payer_with_notice(amount_fen=5000)
    proposed = _proposed(client, wechatpay, world)
    url = f"{COURT}/payment-refunds/{proposed.id}/decline"
    headers = {**world.clerk, "Idempotency-Key": secrets.token_hex(8)}
    assert client.post(url, json={}, headers=headers).status_code == 422  # the reason is required
    assert client.post(url, json={"reason": "x"}, headers=world.headers).status_code in (403, 404)  # the payer
    declined = client.post(url, json={"reason": "法院决定不予退还"}, headers=headers)
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert client.post(url, json={"reason": "法院决定不予退还"}, headers=headers).get_json() == declined.get_json()
    listed = client.get(f"{COURT}/payment-refunds", query_string={"status": "declined"}, headers=world.clerk)
    assert [r["id"] for r in listed.get_json()] == [str(proposed.id)]
    assert client.get(f"{COURT}/payment-refunds", headers=world.clerk).get_json() == []
    approve = client.post(
        f"{COURT}/payment-refunds/{proposed.id}/approve", headers={**world.clerk, "Idempotency-Key": "a-1"}
    )
    assert approve.status_code == 409 and approve.get_json()["reason"] == "payments.refund_not_requested"
    again = client.post(url, json={"reason": "再次"}, headers={**world.clerk, "Idempotency-Key": "d-2"})
    assert again.status_code == 409
