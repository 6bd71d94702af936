"""Fees over HTTP across people: file -> accept -> notice with basis and deadline -> apply for a reduction ->
the court reduces -> paid (a ledger entry, as the payments helper posts it) -> the case proceeds; and a case left
unpaid -> reminders -> overdue in the clerk's queue -> treated as withdrawn -> closed."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases import Case
from app.extensions import db
from app.fees import FeeNotice, ledger
from app.fees import overdue as fee_overdue
from app.litigation import LitigationDecision
from app.notifications import Notification
from tests.support.cases import filing
from tests.support.factories import login, make_court, make_user
from tests.support.review import COURT, MP, events, staff

PUBLIC = "/api/public/v1"


def _accepted(client, amount="100000.00"):
    """Filed from the phone, accepted by the court's clerk: both over HTTP."""
    court = make_court()
    filer = make_user(real_name="张三")
    filed = client.post(f"{MP}/cases", json=filing(kind="litigation", court=court, amount=amount), headers=login(filer))
    assert filed.status_code == 201, filed.get_json()
    case = db.session.get(Case, uuid.UUID(filed.get_json()["id"]))
    clerk = login(staff(court, "clerk"))
    accepted = client.post(f"{COURT}/cases/{case.id}/accept", json={}, headers=clerk)
    assert accepted.status_code == 200, accepted.get_json()
    return court, filer, case, clerk


def test_notice_reduction_and_payment_let_the_case_proceed(client, clock):
    court, filer, case, clerk = _accepted(client)
    party = login(filer)
    fees = client.get(f"{MP}/cases/{case.id}/fees", headers=party)
    assert fees.status_code == 200, fees.get_json()
    body = fees.get_json()
    [notice] = body["notices"]
    # 100,000 yuan: 50 + 90,000 x 2.5% = 2,300 yuan (Art. 13(1)), due 7 days from the day after the notice
    assert notice["amount_fen"] == 230000 and notice["amount_yuan"] == "2300.00"
    assert notice["basis"]["article"] == "第十三条第（一）项"
    assert any("2.5%" in line for line in notice["basis"]["lines"])
    assert notice["last_day"] == "2026-11-09" and notice["status"] == "unpaid"
    assert notice["deadline"]["explanation"]
    assert body["balance"]["outstanding"] == 230000
    assert {n.kind for n in db.session.scalars(select(Notification))} >= {"fee_notice"}
    assert "fee.notice_issued" in [e.type for e in events(case.id)]

    applied = client.post(
        f"{MP}/fee-notices/{notice['id']}/relief",
        json={"kind": "reduction", "reasons": "家庭经营难以为继", "requested_amount_fen": 115000},
        headers=party,
    )
    assert applied.status_code == 201, applied.get_json()
    queue = client.get(f"{COURT}/fee-reliefs", headers=clerk).get_json()["items"]
    assert [r["id"] for r in queue] == [applied.get_json()["id"]]
    too_little = client.post(
        f"{COURT}/fee-reliefs/{applied.get_json()['id']}/decision",
        json={"decision": "partial", "amount_fen": 1000},
        headers=clerk,
    )
    assert too_little.status_code == 422  # a reduction is at least 30% (Art. 46)
    decided = client.post(
        f"{COURT}/fee-reliefs/{applied.get_json()['id']}/decision",
        json={"decision": "partial", "amount_fen": 69000, "reason": "减交30%"},
        headers=clerk,
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "partial"
    after = client.get(f"{MP}/cases/{case.id}/fees", headers=party).get_json()
    assert after["notices"][0]["amount_fen"] == 161000
    assert after["balance"] == {**after["balance"], "reduced": 69000, "outstanding": 161000}

    # the money comes through WeChat Pay (app/payments), which posts the verified payment to the ledger
    payer_id = uuid.UUID(after["notices"][0]["party_id"])
    ledger.post(case_id=case.id, party_id=payer_id, kind="paid", amount_fen=161000, reference="wx-transaction-1")
    db.session.commit()
    paid = client.get(f"{MP}/cases/{case.id}/fees", headers=party).get_json()
    assert paid["notices"][0]["status"] == "paid" and paid["balance"]["outstanding"] == 0
    # nothing to chase: the court's unpaid list is empty, the deadline passing changes nothing
    clock.advance(days=10)
    assert fee_overdue.flag_overdue() == 0
    clerk = login(staff(court, "clerk"))  # a fresh login: the first one's token has expired
    assert client.get(f"{COURT}/fee-notices", headers=clerk).get_json()["items"] == []
    assert db.session.get(Case, case.id).status == "accepted"


def test_unpaid_at_the_deadline_the_clerk_confirms_treated_as_withdrawn(client, clock):
    court, _filer, case, clerk = _accepted(client, amount="10000.00")
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == case.id))
    assert notice.amount_fen == 5000
    early = client.post(
        f"{COURT}/fee-notices/{notice.id}/overdue-decision", json={"decision": "treated_as_withdrawn"}, headers=clerk
    )
    assert early.status_code == 409 and early.get_json()["reason"] == "fees.not_overdue"
    clock.set(dt.datetime(2026, 11, 7, 1, 0, tzinfo=dt.UTC))  # two days before the last day (9 Nov)
    assert fee_overdue.send_due_reminders() == 1
    assert fee_overdue.send_due_reminders() == 0  # once
    clock.set(dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.UTC))  # the last day
    assert fee_overdue.send_due_reminders() == 1
    reminders = db.session.scalars(select(Notification).where(Notification.kind == "fee_reminder")).all()
    assert len(reminders) == 2
    clock.set(dt.datetime(2026, 11, 9, 16, 0, tzinfo=dt.UTC))  # 24:00 Shanghai: time is up
    assert fee_overdue.flag_overdue() == 1
    assert db.session.get(Case, case.id).status == "accepted"  # nothing happens by itself
    clerk = login(staff(court, "clerk"))
    queue = client.get(f"{COURT}/fee-notices?overdue=true", headers=clerk).get_json()["items"]
    assert [item["id"] for item in queue] == [str(notice.id)] and queue[0]["overdue"] is True
    decided = client.post(
        f"{COURT}/fee-notices/{notice.id}/overdue-decision",
        json={"decision": "treated_as_withdrawn", "reason": "逾期未交纳案件受理费"},
        headers=clerk,
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "treated_as_withdrawn"
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "closed"
    # litigation records the closing method (结案方式) with the case closed
    closing = [e for e in events(case.id) if e.to_status == "closed"]
    assert closing and closing[0].data["closing_method"] == "treated_as_withdrawn"
    decision = db.session.scalar(select(LitigationDecision).where(LitigationDecision.case_id == case.id))
    assert decision.closing_method == "treated_as_withdrawn"
    assert "fee.treated_as_withdrawn" in [e.type for e in events(case.id)]


def test_the_clerk_may_grant_more_time_instead(client, clock):
    court, _filer, case, clerk = _accepted(client, amount="10000.00")
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == case.id))
    clock.set(dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC))
    fee_overdue.flag_overdue()
    clerk = login(staff(court, "clerk"))
    extended = client.post(
        f"{COURT}/fee-notices/{notice.id}/overdue-decision", json={"decision": "extend", "days": 5}, headers=clerk
    )
    assert extended.status_code == 200, extended.get_json()
    # 10 Nov + 5 days = Sunday 15 Nov, rolled forward to Monday 16 Nov (CPL Art. 85)
    assert extended.get_json()["last_day"] == "2026-11-16" and extended.get_json()["overdue"] is False


def test_the_schedule_and_the_calculator_are_public(client):
    schedule = client.get(f"{PUBLIC}/fees/schedule")
    assert schedule.status_code == 200
    assert schedule.get_json()["schedules"]["property"]["brackets"][1] == {"up_to": "100000", "rate": "0.025"}
    fee = client.get(f"{PUBLIC}/fees/calculate?schedule=property&amount=1000000")
    assert fee.status_code == 200 and fee.get_json()["amount_yuan"] == "13800.00"
    assert client.get(f"{PUBLIC}/fees/calculate?schedule=property&amount=1.005").status_code == 422
    assert client.get(f"{PUBLIC}/fees/calculate?schedule=nope").status_code == 422


def test_the_court_corrects_the_fee_and_a_higher_one_gets_a_new_period(client, clock):
    court, _filer, case, clerk = _accepted(client, amount="10000.00")
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == case.id))
    clock.set(dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC))
    clerk = login(staff(court, "clerk"))
    raised = client.post(
        f"{COURT}/fee-notices/{notice.id}/recalculation",
        json={"schedule": "property", "amount": "100000.00", "reason": "原告增加诉讼请求"},
        headers=clerk,
    )
    assert raised.status_code == 200, raised.get_json()
    body = raised.get_json()
    assert body["amount_fen"] == 230000 and body["original_amount_fen"] == 230000
    assert body["last_day"] == "2026-11-12" and body["basis"]["amount_yuan"] == "100,000.00"
    kinds = [(e.kind, e.amount_fen) for e in ledger.entries(case.id)]
    assert kinds == [("due", 5000), ("adjusted", 225000)]
    same = client.post(
        f"{COURT}/fee-notices/{notice.id}/recalculation",
        json={"schedule": "property", "amount": "100000.00", "reason": "重复"},
        headers=clerk,
    )
    assert same.status_code == 409 and same.get_json()["reason"] == "fees.unchanged"
    lowered = client.post(
        f"{COURT}/fee-notices/{notice.id}/recalculation",
        json={"schedule": "divorce", "reason": "案由为离婚纠纷"},
        headers=clerk,
    )
    assert lowered.status_code == 200 and lowered.get_json()["amount_fen"] == 5000
    assert ledger.balance(case.id)["owed"] == 5000


def test_the_court_list_pages_by_deadline(client, clock):
    court = make_court()
    clerk_user = staff(court, "clerk")
    for amount in ("10000.00", "20000.00", "30000.00"):
        clerk = login(clerk_user)  # a fresh token each simulated day
        filer = make_user(real_name="张三")
        filed = client.post(
            f"{MP}/cases", json=filing(kind="litigation", court=court, amount=amount), headers=login(filer)
        )
        assert client.post(f"{COURT}/cases/{filed.get_json()['id']}/accept", json={}, headers=clerk).status_code == 200
        clock.advance(days=1)
    clerk = login(clerk_user)
    seen, cursor = [], None
    while True:
        page = client.get(
            f"{COURT}/fee-notices", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=clerk
        ).get_json()
        seen += [item["amount_fen"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [5000, 30000, 55000]  # earliest deadline first
    other = login(staff(make_court(), "clerk"))
    assert client.get(f"{COURT}/fee-notices", headers=other).get_json()["items"] == []
