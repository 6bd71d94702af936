"""Fixtures for the payment tests: the app pointed at a fake WeChat Pay, and a payer with a fee notice."""

from __future__ import annotations

import secrets
import types
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app.cases import CaseParty
from app.extensions import db
from app.fees import FeeNotice, ledger
from app.payments import client as payment_client
from app.utils import clock
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court, make_user
from tests.support.fake_wechatpay import FakeWeChatPay, fake_wechatpay  # noqa: F401  (fixture)

MP = "/api/mp/v1"
COURT = "/api/court/v1"
NOTIFY = "/api/public/v1/payments/wechatpay/notify"


@pytest.fixture
def wechatpay(app: Flask, fake_wechatpay: FakeWeChatPay) -> Iterator[FakeWeChatPay]:  # noqa: F811
    """The app as a live merchant of the fake WeChat Pay on 127.0.0.1."""
    app.config.update(fake_wechatpay.merchant_config())
    app.extensions.pop(payment_client.EXTENSION_KEY, None)
    yield fake_wechatpay
    app.extensions.pop(payment_client.EXTENSION_KEY, None)


def payer_with_notice(*, amount_fen: int = 5000, openid: bool = True) -> types.SimpleNamespace:
    """A litigation case at a court, its plaintiff (logged in with WeChat unless openid=False) owing a notice."""
    court = make_court()
    user = make_user(real_name="张三")
    if openid:
        user.wechat_openid = "o" + secrets.token_hex(12)
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    case = file_case(user, kind="litigation", court=court)
    party = db.session.scalar(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.user_id == user.id))
    assert party is not None
    notice = FeeNotice(
        case_id=case.id,
        party_id=party.id,
        court_id=court.id,
        purpose="acceptance",
        amount_fen=amount_fen,
        original_amount_fen=amount_fen,
        basis={"article": "13"},
        deadline={},
        issued_at=clock.now(),
        status="unpaid",
    )
    db.session.add(notice)
    db.session.flush()
    ledger.post(case_id=case.id, party_id=party.id, kind="due", amount_fen=amount_fen, reference=f"notice:{notice.id}")
    db.session.commit()
    return types.SimpleNamespace(
        court=court, user=user, case=case, party=party, notice=notice, headers=login(user), clerk=login(clerk)
    )


def order(client, world: types.SimpleNamespace) -> dict:
    """The payer orders; the order as answered (201)."""
    answer = client.post(f"{MP}/fee-notices/{world.notice.id}/payments", headers=world.headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def notify(client, headers: dict, body: str):
    """Deliver a notification through the test client."""
    return client.post(NOTIFY, data=body, headers=headers)


def balance(world: types.SimpleNamespace) -> dict:
    db.session.expire_all()
    return ledger.balance(world.case.id, world.party.id)


def reduce(world: types.SimpleNamespace, amount_fen: int, reference: str | None = None) -> None:
    """Book a lower fee (e.g. Art. 15's half) so the ledger holds money to refund."""
    ledger.post(
        case_id=world.case.id,
        party_id=world.party.id,
        kind="reduced",
        amount_fen=amount_fen,
        reference=reference or f"test-reduction:{secrets.token_hex(4)}",
    )
    db.session.commit()
