"""Two bookings that share a person cannot both win, even at the same instant (real threads).

On PostgreSQL the per-person schedule row locks serialise the bookings (the second test shows a booking
waiting on another transaction's lock); on SQLite the first write of a booking takes the database's single
write lock, which serialises them just the same.
"""

import threading

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.identity.models import User
from app.scheduling.models import MediationSession
from tests.conftest import is_postgres
from tests.support.factories import login
from tests.support.scheduling import MP, add_lawyer, lawyer, local, mediation_case

THREADS = 8
DAY = "2026-11-10"


def _cases_sharing(counsel, n):
    cases = [mediation_case() for _ in range(n)]
    for case in cases:
        add_lawyer(case, counsel)
    return [(case, db.session.get(User, case.mediator_user_id)) for case in cases]


def test_concurrent_bookings_for_a_shared_lawyer_exactly_one_wins(app, clock):
    counsel = lawyer("冯律师")
    cases = _cases_sharing(counsel, THREADS)
    barrier = threading.Barrier(THREADS)
    results = []

    def attempt(url, body, headers):
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json=body, headers=headers)
        results.append((response.status_code, response.get_json()))

    # different mediators, different cases, overlapping slots: only the lawyer is shared
    calls = [
        (
            f"{MP}/cases/{case.id}/sessions",
            {"starts_at": local(DAY, f"09:{n:02d}"), "ends_at": local(DAY, f"10:{n:02d}"), "mode": "phone"},
            login(med),
        )
        for n, (case, med) in enumerate(cases)
    ]
    threads = [threading.Thread(target=attempt, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    for status, body in results:
        if status == 409:
            assert body["reason"] == "mediation.slot_conflict"
            assert body["errors"]["double_booked"] == [
                {"role": "lawyer", "party_role": "respondent", "name": "冯**", "reasons": ["session"]}
            ]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(MediationSession)) == 1


@pytest.mark.postgres
def test_a_booking_waits_for_the_lock_held_by_another_transaction(app, clock, database_url):
    """The lock is what serialises: while another transaction holds the lawyer's row, the booking cannot finish."""
    if not is_postgres(database_url):
        pytest.skip("SQLite has no row locks (SELECT ... FOR UPDATE); its database lock is shown by the race above")
    counsel = lawyer()
    [(case, med)] = _cases_sharing(counsel, 1)
    holder = db.engine.connect()
    with holder.begin():  # the row exists and is committed: only the row lock below can hold the booking back
        holder.execute(
            text("INSERT INTO schedule_locks (user_id) VALUES (:u) ON CONFLICT DO NOTHING"), {"u": counsel.id}
        )
    transaction = holder.begin()
    holder.execute(text("SELECT user_id FROM schedule_locks WHERE user_id = :u FOR UPDATE"), {"u": counsel.id})
    results = []
    body = {"starts_at": local(DAY, "09:00"), "ends_at": local(DAY, "10:00"), "mode": "phone"}
    headers, url = login(med), f"{MP}/cases/{case.id}/sessions"
    booking = threading.Thread(target=lambda: results.append(app.test_client().post(url, json=body, headers=headers)))
    booking.start()
    try:
        booking.join(timeout=2)
        assert booking.is_alive() and not results, "the booking went ahead without the lawyer's schedule lock"
    finally:
        transaction.rollback()
        holder.close()
    booking.join(timeout=30)
    assert results and results[0].status_code == 201
