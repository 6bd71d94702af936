"""Fees after acceptance, over HTTP: Art. 15's half when the case ends by a mediation statement in effect or by
withdrawal permitted (booked as `reduced`, once; an unpaid notice asks half, a paid one turns the surplus into a
refund proposal the clerk approves), and the appellant's notice to pay the appeal fee (Art. 17) with its period."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.extensions import db
from app.fees import FeeNotice, LedgerEntry, calculation, ledger, litigation_steps
from app.notifications import Notification
from app.payments import PaymentOrder, PaymentRefund, surplus
from app.utils.clock import SHANGHAI
from tests.api.litigation.support import COURT, MP, World, accepted_case, push, timeline_types


def _post(client, url: str, body: dict, headers: dict):
    return client.post(url, json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})


def _notice(world: World) -> FeeNotice:
    db.session.expire_all()
    # by purpose: once an appeal is billed the case has two notices, and PostgreSQL returns rows in no set order
    # (an UPDATE moves the acceptance notice's row after the appeal's)
    notice = db.session.scalar(
        select(FeeNotice).where(FeeNotice.case_id == world.case.id, FeeNotice.purpose == "acceptance")
    )
    assert notice is not None
    return notice


def _reductions(world: World) -> list[LedgerEntry]:
    return [e for e in ledger.entries(world.case.id) if e.kind == "reduced"]


def test_a_mediation_statement_in_effect_halves_an_unpaid_fee(client, clock):
    clock.set(dt.datetime(2026, 11, 9, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    notice = _notice(world)
    fee = notice.amount_fen
    decided = _post(
        client, f"{COURT}/cases/{world.case.id}/decision", {"closing_method": "mediation"}, world.headers("judge")
    )
    assert decided.status_code == 200, decided.get_json()
    push(client, world, world.plaintiff, "mediation_document", "民事调解书")
    assert _reductions(world) == []  # served on one party only: not in effect yet (CPL Art. 100)
    push(client, world, world.defendant, "mediation_document", "民事调解书")
    [reduced] = _reductions(world)
    half = (fee + 1) // 2  # half, rounded half up to a whole fen
    assert reduced.amount_fen == fee - half and reduced.reference == f"art15:{notice.id}"
    assert "第十五条" in (reduced.note or "") or "15" in (reduced.note or "")
    shown = client.get(f"{MP}/cases/{world.case.id}/fees", headers=world.headers("plaintiff")).get_json()
    assert shown["balance"]["outstanding"] == half and shown["notices"][0]["amount_fen"] == half
    assert "fee.halved" in timeline_types(world.case.id)
    told = db.session.scalars(select(Notification).where(Notification.kind == "fee_decision")).all()
    assert told and told[-1].data["amount_yuan"] == calculation.yuan(half)
    # the step seen again books nothing more
    litigation_steps.on_litigation_step(world.case, "litigation.effective", {"closing_method": "mediation"}, None)
    assert len(_reductions(world)) == 1
    assert db.session.scalars(select(PaymentRefund)).all() == []  # nothing was paid: nothing to refund


def test_withdrawal_permitted_after_payment_proposes_the_half_for_the_clerk(client):
    world = accepted_case()
    notice = _notice(world)
    fee = notice.amount_fen
    order = PaymentOrder(
        out_trade_no="MC20261109" + uuid.uuid4().hex[:16].upper(),
        case_id=world.case.id,
        party_id=notice.party_id,
        court_id=world.court.id,  # type: ignore[attr-defined]
        notice_id=notice.id,
        payer_user_id=world.people["plaintiff"].id,
        amount_fen=fee,
        description="诉讼费",
        status="paid",
        expires_at=notice.issued_at,
        transaction_id="42000" + uuid.uuid4().hex[:20],
        paid_at=notice.issued_at,
    )
    db.session.add(order)
    ledger.post(case_id=world.case.id, party_id=notice.party_id, kind="paid", amount_fen=fee, reference="wxpay:t1")
    db.session.commit()
    assert _notice(world).status == "paid"

    closed = _post(
        client,
        f"{COURT}/cases/{world.case.id}/decision",
        {"closing_method": "withdrawal_permitted", "note": "原告申请撤诉"},
        world.headers("clerk"),
    )
    assert closed.status_code == 200, closed.get_json()
    [reduced] = _reductions(world)
    totals = ledger.balance(world.case.id, notice.party_id)
    assert totals["outstanding"] == -reduced.amount_fen  # money held for the plaintiff until refunded
    queue = client.get(f"{COURT}/payment-refunds", headers=world.headers("clerk")).get_json()
    assert [(r["amount_fen"], r["status"], r["case_id"]) for r in queue] == [
        (reduced.amount_fen, "requested", str(world.case.id))
    ]
    # a refund by hand on top of the proposal would pay back twice: refused
    twice = _post(
        client, f"{COURT}/payments/{order.id}/refunds", {"amount_fen": 1, "reason": "再退"}, world.headers("clerk")
    )
    assert twice.status_code == 409 and twice.get_json()["reason"] == "payments.refund_exceeds_surplus"
    # the same step again proposes nothing more
    surplus.on_litigation_step(world.case, "litigation.closed", {"closing_method": "withdrawal_permitted"}, None)
    db.session.commit()
    assert len(db.session.scalars(select(PaymentRefund)).all()) == 1
    assert {"fee.halved", "fee.refund_proposed"} <= set(timeline_types(world.case.id))


def test_another_closing_method_halves_nothing(client):
    world = accepted_case()
    fee = _notice(world).amount_fen
    closed = _post(
        client, f"{COURT}/cases/{world.case.id}/decision", {"closing_method": "transfer"}, world.headers("clerk")
    )
    assert closed.status_code == 200, closed.get_json()
    assert _reductions(world) == [] and _notice(world).amount_fen == fee


def test_the_appellant_gets_a_notice_to_pay_the_appeal_fee(client, clock):
    clock.set(dt.datetime(2026, 11, 9, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    acceptance = _notice(world)
    body = {"closing_method": "judgment", "performance_days": 15}
    assert _post(client, f"{COURT}/cases/{world.case.id}/decision", body, world.headers("judge")).status_code == 200
    push(client, world, world.defendant)
    appeal = {"statement": "撤销原判", "grounds": "认定事实错误"}
    filed = _post(client, f"{MP}/cases/{world.case.id}/appeals", appeal, world.headers("defendant"))
    assert filed.status_code == 201, filed.get_json()

    shown = client.get(f"{MP}/cases/{world.case.id}/fees", headers=world.headers("defendant")).get_json()
    [notice] = [n for n in shown["notices"] if n["party_id"] == str(world.defendant.id)]
    assert notice["purpose"] == "appeal" and notice["status"] == "unpaid"
    assert notice["amount_fen"] == acceptance.original_amount_fen  # first-instance standard, same claim
    assert any("第十七条" in a or "17" in a for a in notice["basis"]["articles"])
    assert notice["last_day"] == "2026-11-16"  # 7 days from the day after filing (Art. 22)
    assert shown["balance"]["outstanding"] >= notice["amount_fen"]
    # the plaintiff's own acceptance fee is untouched, and an appeal seen twice bills once
    assert _notice(world).amount_fen == acceptance.amount_fen
    litigation_steps.issue_appeal_notice(world.case, world.defendant, None)
    db.session.commit()
    appeal_notices = db.session.scalars(  # this case's: a PostgreSQL run shares its database with earlier tests
        select(FeeNotice).where(FeeNotice.purpose == "appeal", FeeNotice.case_id == world.case.id)
    ).all()
    assert len(appeal_notices) == 1


def test_an_enforcement_application_shows_its_fee_and_asks_nothing_in_advance(client, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    body = {"closing_method": "mediation", "performance_days": 30}
    assert _post(client, f"{COURT}/cases/{world.case.id}/decision", body, world.headers("judge")).status_code == 200
    for party in (world.plaintiff, world.defendant):
        push(client, world, party, "mediation_document", "民事调解书")
    before = client.get(f"{MP}/cases/{world.case.id}/fees", headers=world.headers("plaintiff")).get_json()
    assert before["enforcement_fee"] is None
    applied = _post(
        client,
        f"{MP}/cases/{world.case.id}/enforcement-applications",
        {"request": "强制被告履行调解书", "property_clues": []},
        world.headers("plaintiff"),
    )
    assert applied.status_code == 201, applied.get_json()
    shown = client.get(f"{MP}/cases/{world.case.id}/fees", headers=world.headers("plaintiff")).get_json()
    fee = shown["enforcement_fee"]
    assert fee["application_id"] == applied.get_json()["id"] and fee["schedule"] == "enforcement"
    assert fee["prepaid"] is False and fee["borne_by"] == "person_subject_to_enforcement" and "Art. 20" in fee["note"]
    assert fee["basis"]["article"] == "第十四条第（一）项" and fee["amount_fen"] >= 5000
    # no notice to pay and nothing owed for it (执行申请费执行后交纳)
    assert {n["purpose"] for n in shown["notices"]} == {"acceptance"}
    assert shown["balance"] == before["balance"]
    court_view = client.get(f"{COURT}/cases/{world.case.id}/fees", headers=world.headers("clerk")).get_json()
    assert court_view["enforcement_fee"]["amount_fen"] == fee["amount_fen"]


def test_an_unpaid_appeal_fee_does_not_withdraw_the_first_instance_case(client, clock):
    clock.set(dt.datetime(2026, 11, 9, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    body = {"closing_method": "judgment", "performance_days": 15}
    assert _post(client, f"{COURT}/cases/{world.case.id}/decision", body, world.headers("judge")).status_code == 200
    push(client, world, world.defendant)
    appeal = {"statement": "撤销原判", "grounds": "认定事实错误"}
    assert _post(client, f"{MP}/cases/{world.case.id}/appeals", appeal, world.headers("defendant")).status_code == 201
    notice = db.session.scalar(
        select(FeeNotice).where(FeeNotice.purpose == "appeal", FeeNotice.case_id == world.case.id)
    )
    assert notice is not None
    clock.advance(days=10)
    url = f"{COURT}/fee-notices/{notice.id}/overdue-decision"
    refused = _post(client, url, {"decision": "treated_as_withdrawn", "reason": "逾期"}, world.headers("clerk"))
    assert refused.status_code == 409 and refused.get_json()["reason"] == "fees.not_acceptance_fee"
    extended = _post(client, url, {"decision": "extend", "days": 3}, world.headers("clerk"))
    assert extended.status_code == 200, extended.get_json()
