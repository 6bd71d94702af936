"""The fee ledger: append-only, idempotent on (kind, reference), balances derived from the entries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.fees import LedgerEntry, ledger
from tests.support.factories import make_court
from tests.support.review import litigation


@pytest.fixture
def case(app):
    return litigation(make_court())


def _party(case):
    from app.cases import CaseParty

    return db.session.scalar(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "plaintiff"))


def test_balance_is_derived_from_the_entries(case):
    party = _party(case)
    ledger.post(case_id=case.id, party_id=party.id, kind="due", amount_fen=5000, reference=f"notice:{case.id}")
    ledger.post(case_id=case.id, party_id=party.id, kind="reduced", amount_fen=2000, reference="relief:1")
    ledger.post(case_id=case.id, party_id=party.id, kind="paid", amount_fen=3000, reference="wx:42")
    db.session.commit()
    assert ledger.balance(case.id) == {
        "due": 5000,
        "paid": 3000,
        "refunded": 0,
        "waived": 0,
        "reduced": 2000,
        "deferred": 0,
        "owed": 3000,
        "outstanding": 0,
    }
    ledger.post(case_id=case.id, party_id=party.id, kind="refunded", amount_fen=1000, reference="wxr:1")
    assert ledger.balance(case.id, party.id)["outstanding"] == 1000
    assert [e.kind for e in ledger.entries(case.id)] == ["due", "reduced", "paid", "refunded"]


def test_a_notification_posted_twice_books_once(case):
    party = _party(case)
    first = ledger.post(case_id=case.id, party_id=party.id, kind="paid", amount_fen=5000, reference="wx:1")
    db.session.commit()
    again = ledger.post(case_id=case.id, party_id=party.id, kind="paid", amount_fen=5000, reference="wx:1")
    db.session.commit()
    assert again.id == first.id
    assert len(ledger.entries(case.id)) == 1
    # the same reference for another kind is another entry (a refund may carry the payment's id)
    ledger.post(case_id=case.id, party_id=party.id, kind="refunded", amount_fen=5000, reference="wx:1")
    assert len(ledger.entries(case.id)) == 2
    with pytest.raises(Conflict) as caught:
        ledger.post(case_id=case.id, party_id=party.id, kind="paid", amount_fen=4000, reference="wx:1")
    assert caught.value.reason == "fees.reference_reused"


def test_entries_are_never_changed_or_deleted(case):
    party = _party(case)
    entry = ledger.post(case_id=case.id, party_id=party.id, kind="due", amount_fen=5000, reference=None)
    db.session.commit()
    entry.amount_fen = 1
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(LedgerEntry, entry.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(LedgerEntry, entry.id).amount_fen == 5000


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "100"])
def test_amounts_are_positive_whole_fen(case, amount):
    with pytest.raises(ValidationFailed):
        ledger.post(case_id=case.id, party_id=_party(case).id, kind="due", amount_fen=amount, reference=None)


def test_unknown_kinds_are_refused(case):
    with pytest.raises(ValidationFailed):
        ledger.post(case_id=case.id, party_id=_party(case).id, kind="gift", amount_fen=1, reference=None)


def test_the_notice_follows_the_balance(app, clock):
    from app.cases import review
    from app.fees import FeeNotice
    from tests.support.review import principal, staff

    court = make_court()
    case = litigation(court, amount="12000.00")
    review.accept(case_id=case.id, actor=principal(staff(court)))
    notice = db.session.scalar(select(FeeNotice).where(FeeNotice.case_id == case.id))
    party_id = notice.party_id
    assert (notice.status, notice.amount_fen) == ("unpaid", 10000)
    ledger.post(case_id=case.id, party_id=party_id, kind="paid", amount_fen=6000, reference="wx:a")
    assert (notice.status, notice.amount_fen) == ("unpaid", 4000)
    ledger.post(case_id=case.id, party_id=party_id, kind="paid", amount_fen=4000, reference="wx:b")
    assert (notice.status, notice.amount_fen) == ("paid", 0)
    ledger.post(case_id=case.id, party_id=party_id, kind="reduced", amount_fen=5000, reference="half")
    assert (notice.status, notice.amount_fen) == ("paid", 0)
    assert ledger.balance(case.id)["outstanding"] == -5000  # held for the payer until refunded
    ledger.post(case_id=case.id, party_id=party_id, kind="refunded", amount_fen=5000, reference="wx:b")
    assert ledger.balance(case.id)["outstanding"] == 0 and notice.status == "paid"


def test_the_payer_must_be_a_party_to_the_case(case):
    other = litigation(make_court())
    with pytest.raises(ValidationFailed) as caught:
        ledger.post(case_id=case.id, party_id=_party(other).id, kind="due", amount_fen=1, reference=None)
    assert "party_id" in caught.value.errors
