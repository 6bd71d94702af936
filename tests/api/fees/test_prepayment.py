"""A court that asks for prepayment: the notice to pay comes at filing (one notice; acceptance issues no second),
and a filing left unpaid past its deadline is withdrawn when the clerk confirms it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases import Case
from app.extensions import db
from app.fees import FeeNotice
from app.fees import overdue as fee_overdue
from tests.support.cases import filing
from tests.support.factories import login, make_court, make_user
from tests.support.review import COURT, MP, staff


def _prepaying_court(client):
    court = make_court()
    judge = login(staff(court, "judge"))
    clerk = login(staff(court, "clerk"))
    refused = client.put(f"{COURT}/courts/{court.id}/fee-settings", json={"prepay_at_filing": True}, headers=clerk)
    assert refused.status_code == 403 and refused.get_json()["reason"] == "fees.not_setter"
    changed = client.put(f"{COURT}/courts/{court.id}/fee-settings", json={"prepay_at_filing": True}, headers=judge)
    assert changed.status_code == 200 and changed.get_json()["prepay_at_filing"] is True
    assert client.get(f"{COURT}/courts/{court.id}/fee-settings", headers=clerk).get_json()["prepay_at_filing"]
    return court, clerk


def _file(client, court, filer):
    response = client.post(f"{MP}/cases", json=filing(kind="litigation", court=court), headers=login(filer))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_notice_comes_at_filing_and_acceptance_adds_none(client, clock):
    court, clerk = _prepaying_court(client)
    filer = make_user(real_name="张三")
    case_id = _file(client, court, filer)
    fees = client.get(f"{MP}/cases/{case_id}/fees", headers=login(filer)).get_json()
    [notice] = fees["notices"]
    assert notice["amount_fen"] == 10000 and notice["case_status"] == "submitted"  # 12,000 yuan: 100 yuan
    assert notice["deadline"]["trigger"]["key"] == "fee.notice.filing"  # its label: the Chinese name
    assert notice["deadline"]["trigger"]["label"] == "交纳诉讼费用通知书发出（立案时人民法院要求预交）"
    assert client.post(f"{COURT}/cases/{case_id}/accept", json={}, headers=clerk).status_code == 200
    assert len(db.session.scalars(select(FeeNotice).where(FeeNotice.case_id == uuid.UUID(case_id))).all()) == 1


def test_an_unpaid_filing_is_withdrawn_when_the_clerk_confirms(client, clock):
    court, _clerk = _prepaying_court(client)
    case_id = _file(client, court, make_user(real_name="张三"))
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == uuid.UUID(case_id)))
    clock.set(dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC))
    assert fee_overdue.flag_overdue() == 1
    clerk = login(staff(court, "clerk"))
    decided = client.post(
        f"{COURT}/fee-notices/{notice.id}/overdue-decision", json={"decision": "treated_as_withdrawn"}, headers=clerk
    )
    assert decided.status_code == 200, decided.get_json()
    db.session.expire_all()
    assert db.session.get(Case, notice.case_id).status == "withdrawn"


def test_courts_that_do_not_prepay_issue_nothing_at_filing(client, clock):
    court = make_court()
    case_id = _file(client, court, make_user(real_name="张三"))
    assert db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == uuid.UUID(case_id))) is None
