"""Deferral, reduction and waiver at the service level: who may apply, the Measures' limits, and what each
decision does to the ledger, the notice and its deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.cases import CaseParty, review
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.fees import FeeNotice, ledger, queries, relief
from tests.support.factories import make_court, make_user
from tests.support.review import litigation, principal, staff


@pytest.fixture
def world(app, clock):
    court = make_court()
    filer = make_user(real_name="张三")
    case = litigation(court, filer, amount="100000.00")
    clerk = principal(staff(court))
    review.accept(case_id=case.id, actor=clerk)
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == case.id))
    return {"case": case, "clerk": clerk, "filer": principal(filer), "notice": notice, "clock": clock}


def _apply(w, kind="waiver", evidence_ids=(), **extra):
    return relief.apply(
        notice_id=w["notice"].id,
        actor=w["filer"],
        kind=kind,
        reasons="低保对象",
        evidence_ids=list(evidence_ids),
        **extra,
    )


def test_acceptance_issued_a_notice_with_its_due_entry(world):
    notice = world["notice"]
    assert notice.amount_fen == 230000 and notice.status == "unpaid"
    assert [(e.kind, e.amount_fen) for e in ledger.entries(world["case"].id)] == [("due", 230000)]


def test_a_granted_waiver_waives_what_is_owed(world):
    applied = _apply(world)
    decided = relief.decide(relief_id=applied["id"], actor=world["clerk"], decision="grant")
    assert decided["status"] == "granted" and decided["granted_amount_fen"] == 230000
    db.session.expire_all()
    notice = db.session.get(FeeNotice, world["notice"].id)
    assert notice.status == "waived" and notice.amount_fen == 0
    assert ledger.balance(world["case"].id)["outstanding"] == 0


def test_a_deferral_moves_the_deadline_and_keeps_the_amount(world):
    until = dt.date(2026, 12, 1)  # a Tuesday
    applied = _apply(world, "deferral", requested_until=until)
    relief.decide(relief_id=applied["id"], actor=world["clerk"], decision="grant")
    db.session.expire_all()
    notice = db.session.get(FeeNotice, world["notice"].id)
    assert notice.status == "deferred" and notice.amount_fen == 230000
    assert notice.due_at == dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)  # 24:00 Shanghai of 1 December
    assert ledger.balance(world["case"].id)["deferred"] == 230000


def test_a_refusal_needs_reasons_and_gives_a_fresh_period(world):
    applied = _apply(world)
    with pytest.raises(ValidationFailed):
        relief.decide(relief_id=applied["id"], actor=world["clerk"], decision="refuse")
    db.session.rollback()
    world["clock"].advance(days=3)
    decided = relief.decide(relief_id=applied["id"], actor=world["clerk"], decision="refuse", reason="不符合条件")
    assert decided["status"] == "refused"
    notice = db.session.get(FeeNotice, world["notice"].id)
    assert notice.status == "unpaid" and notice.due_at > dt.datetime(2026, 11, 11, tzinfo=dt.UTC)
    with pytest.raises(Conflict):
        relief.decide(relief_id=applied["id"], actor=world["clerk"], decision="grant")


def test_one_application_at_a_time(world):
    _apply(world)
    with pytest.raises(Conflict) as caught:
        _apply(world)
    assert caught.value.reason == "fees.relief_pending"


def test_a_reduction_is_at_least_30_percent(world):
    with pytest.raises(ValidationFailed) as caught:
        _apply(world, "reduction", requested_amount_fen=68999)
    assert "requested_amount_fen" in caught.value.errors
    applied = _apply(world, "reduction", requested_amount_fen=69000)
    relief.decide(relief_id=applied["id"], actor=world["clerk"], decision="grant")
    assert ledger.balance(world["case"].id)["outstanding"] == 161000


def test_waiver_is_for_natural_persons_only(world):
    party = db.session.scalar(select(CaseParty).where(CaseParty.id == world["notice"].party_id))
    party.party_type = "organization"
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        _apply(world)
    assert "kind" in caught.value.errors


def test_only_the_payer_applies_and_only_the_court_decides(world):
    with pytest.raises(Forbidden):
        relief.apply(notice_id=world["notice"].id, actor=world["clerk"], kind="waiver", reasons="x", evidence_ids=[])
    applied = _apply(world)
    with pytest.raises(Forbidden):
        relief.decide(relief_id=applied["id"], actor=world["filer"], decision="grant")


def test_evidence_must_be_the_cases_own(world):
    import uuid

    with pytest.raises(ValidationFailed) as caught:
        _apply(world, evidence_ids=[uuid.uuid4()])
    assert "evidence_ids" in caught.value.errors


def test_the_application_carries_the_cases_own_evidence_to_the_court(world):
    import hashlib

    from app.evidence import EvidenceItem
    from app.utils import clock

    plaintiff = db.session.get(CaseParty, world["notice"].party_id)
    assert plaintiff is not None
    now = clock.now()
    item = EvidenceItem(
        case_id=world["case"].id,
        party_id=plaintiff.id,
        uploaded_by_user_id=world["filer"].user_id,
        status="stored",
        catalogue_order=1,
        title="低保证",
        category="书证",
        purpose="证明经济困难",
        filename="低保证.pdf",
        declared_type="application/pdf",
        declared_size=3,
        declared_sha256=hashlib.sha256(b"pdf").hexdigest(),
        upload_key="fees-relief-evidence",
        upload_expires_at=now,
        stored_at=now,
        submitted_at=now,
    )
    db.session.add(item)
    db.session.commit()
    applied = _apply(world, evidence_ids=[item.id])
    assert applied["evidence_ids"] == [str(item.id)] and applied["reasons"] == "低保对象"
    queue = queries.list_reliefs(actor=world["clerk"]).items
    assert [(r["id"], r["evidence_ids"]) for r in queue] == [(applied["id"], [str(item.id)])]
