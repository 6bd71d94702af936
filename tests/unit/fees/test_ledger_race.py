"""A payment notification delivered several times at once books one ledger entry (PostgreSQL only)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.cases import CaseParty
from app.extensions import db
from app.fees import ledger
from tests.conftest import is_postgres
from tests.support.factories import make_court
from tests.support.review import litigation

THREADS = 8


@pytest.mark.postgres
def test_concurrent_duplicate_notifications_book_once(app, database_url):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite serialises every writer on one file lock, so the race cannot happen")
    case = litigation(make_court())
    party_id = db.session.scalar(
        select(CaseParty.id).where(CaseParty.case_id == case.id, CaseParty.role == "plaintiff")
    )
    case_id = case.id
    db.session.commit()
    barrier, results, errors = threading.Barrier(THREADS), [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                entry = ledger.post(
                    case_id=case_id, party_id=party_id, kind="paid", amount_fen=5000, reference="wx-race-1"
                )
                entry_id = entry.id
                db.session.commit()
                results.append(entry_id)
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == THREADS and len(set(results)) == 1
    assert len(ledger.entries(case_id)) == 1 and ledger.balance(case_id)["paid"] == 5000
