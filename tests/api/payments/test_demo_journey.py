"""`make run`'s demo data makes the fee journey walkable: the demo citizen files at the demo court, the demo clerk
accepts, the notice arrives, the citizen (given a development openid by the payments seeder) orders and pays through
the development WeChat Pay, and the ledger shows it paid. The seed runs here as `make run` runs it."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.extensions import db
from app.identity.models import User
from app.payments import demo as payments_demo
from app.platform import demo
from tests.support.cases import filing
from tests.support.factories import login

MP, COURT = "/api/mp/v1", "/api/court/v1"


def _key() -> dict:
    return {"Idempotency-Key": secrets.token_hex(8)}


def test_the_demo_fee_journey_is_walkable(client):
    from app.identity import demo as identity_demo

    messages = demo.seed()
    assert any(m.startswith("payments:") and "development stand-in" in m for m in messages)
    citizen = db.session.scalar(select(User).where(User.phone_index.isnot(None), User.wechat_openid.like("o_dev_%")))
    assert citizen is not None
    payers = db.session.scalars(select(User).where(User.wechat_openid.like("o_dev_%"))).all()
    assert len(payers) == len(payments_demo.DEMO_PAYERS)
    court = identity_demo.demo_court()
    clerk = next(u for u in db.session.scalars(select(User)) if u.display_name == "书记员 王")
    plaintiff = login(citizen)
    # in the mini-program the citizen first verifies their real name (the development verifier under make run)
    verified = client.post(
        f"{MP}/me/verification", json={"real_name": "张三", "id_number": "110101199003070011"}, headers=plaintiff
    )
    assert verified.status_code == 200, verified.get_json()

    filed = client.post(
        f"{MP}/cases", json=filing(kind="litigation", court=court, amount="10000.00"), headers={**plaintiff, **_key()}
    )
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["id"]
    accepted = client.post(f"{COURT}/cases/{case_id}/accept", json={}, headers=login(clerk))
    assert accepted.status_code == 200, accepted.get_json()
    [notice] = client.get(f"{MP}/cases/{case_id}/fees", headers=plaintiff).get_json()["notices"]
    assert notice["amount_fen"] == 5000 and notice["status"] == "unpaid"
    ordered = client.post(f"{MP}/fee-notices/{notice['id']}/payments", headers={**plaintiff, **_key()})
    assert ordered.status_code == 201, ordered.get_json()
    paid = client.post(f"{MP}/dev/payments/{ordered.get_json()['id']}/pay", headers={**plaintiff, **_key()})
    assert paid.status_code in (200, 201), paid.get_json()
    after = client.get(f"{MP}/cases/{case_id}/fees", headers=plaintiff).get_json()
    assert after["notices"][0]["status"] == "paid" and after["balance"]["outstanding"] == 0
