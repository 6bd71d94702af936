"""Two hearings racing for one courtroom (or one person) cannot both win, even at the same instant (real threads).

On PostgreSQL the courtroom's row lock (taken before any person's schedule row) serialises the bookings; the
second test shows a booking waiting on another transaction's lock of the courtroom. On SQLite the first write
of a booking takes the database's single write lock, which serialises them just the same.
"""

import threading

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.scheduling.models import MediationSession
from tests.conftest import is_postgres
from tests.support.factories import login, make_court
from tests.support.hearings import COURT, trial
from tests.support.scheduling import add_lawyer, lawyer, local, mediation_case

THREADS = 6
DAY = "2026-11-10"


def _race(app, calls):
    barrier = threading.Barrier(len(calls))
    results = []

    def attempt(url, body, headers):
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json=body, headers=headers)
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=attempt, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _hearing(t, room, n):
    body = {
        "starts_at": local(DAY, f"09:{n:02d}"),
        "ends_at": local(DAY, f"10:{n:02d}"),
        "mode": "in_person",
        "courtroom_id": str(room.id),
        "judge_user_id": str(t.judge.id),
    }
    return f"{COURT}/cases/{t.case.id}/hearings", body, login(t.clerk)


def test_concurrent_hearings_for_one_courtroom_exactly_one_wins(app, clock):
    court = make_court()
    trials = [trial(court=court) for _ in range(THREADS)]  # own judge, clerk and parties each: only the room is shared
    room = trials[0].room
    results = _race(app, [_hearing(t, room, n) for n, t in enumerate(trials)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    for status, body in results:
        if status == 409:
            assert body["errors"]["double_booked"] == [
                {"role": "courtroom", "party_role": None, "name": room.name, "reasons": ["session"]}
            ]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(MediationSession)) == 1


def test_a_hearing_and_a_mediation_session_racing_for_one_lawyer_one_wins(app, clock):
    counsel = lawyer("冯律师")
    t = trial()
    add_lawyer(t.case, counsel, role="defendant")
    dispute = mediation_case()
    add_lawyer(dispute, counsel)
    from app.identity.models import User

    mediator = db.session.get(User, dispute.mediator_user_id)
    session_call = (
        f"/api/mp/v1/cases/{dispute.id}/sessions",
        {"starts_at": local(DAY, "09:30"), "ends_at": local(DAY, "10:30"), "mode": "phone"},
        login(mediator),
    )
    results = _race(app, [_hearing(t, t.room, 0), session_call])
    assert sorted(status for status, _ in results) == [201, 409], results
    [conflict] = [body for status, body in results if status == 409]
    assert conflict["errors"]["double_booked"][0]["role"] == "lawyer"


@pytest.mark.postgres
def test_a_hearing_waits_for_the_lock_on_its_courtroom(app, clock, database_url):
    """The courtroom lock is what serialises: while another transaction holds the room, the booking cannot finish."""
    if not is_postgres(database_url):
        pytest.skip("SQLite has no row locks (SELECT ... FOR UPDATE); its database lock is shown by the races above")
    t = trial()
    holder = db.engine.connect()
    transaction = holder.begin()
    holder.execute(text("SELECT id FROM courtrooms WHERE id = :r FOR UPDATE"), {"r": t.room.id})
    done = []

    url, body, headers = _hearing(t, t.room, 0)

    def attempt():
        done.append(app.test_client().post(url, json=body, headers=headers).status_code)

    worker = threading.Thread(target=attempt)
    worker.start()
    worker.join(timeout=2)
    assert done == [] and worker.is_alive()  # blocked on the courtroom's row
    transaction.rollback()
    holder.close()
    worker.join(timeout=30)
    assert done == [201]
