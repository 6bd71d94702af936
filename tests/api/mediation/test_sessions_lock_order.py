"""A booking reads who takes part and what they are busy with only once it holds the locks (PostgreSQL, real threads).

Issue 18 folded the participants' read into the statement that takes their schedule locks, and the overlap check
into the statement that writes the session. Both statements start after the lock they depend on is granted, so
what another transaction committed while the booking waited is seen: a person who joined the case while the
booking waited for the case's row, and a session booked for a participant while the booking waited for that
person's schedule row.
"""

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.identity.models import User
from app.scheduling.models import MediationSession
from tests.conftest import is_postgres
from tests.support.factories import login
from tests.support.scheduling import MP, add_lawyer, lawyer, local, mediation_case, person

DAY = "2026-11-10"
BODY = {"starts_at": local(DAY, "09:00"), "ends_at": local(DAY, "10:00"), "mode": "phone"}


def _book_while_held(app, case, holder, transaction) -> dict:
    """POST the booking in a thread; it must wait on `holder`'s lock; commit `transaction`; the booking's answer."""
    headers, url = login(db.session.get(User, case.mediator_user_id)), f"{MP}/cases/{case.id}/sessions"
    results = []
    booking = threading.Thread(target=lambda: results.append(app.test_client().post(url, json=BODY, headers=headers)))
    booking.start()
    try:
        booking.join(timeout=1.5)
        assert booking.is_alive() and not results, "the booking went ahead without waiting for the lock"
        transaction.commit()
    finally:
        if transaction.is_active:
            transaction.rollback()
        holder.close()
    booking.join(timeout=30)
    assert results
    return {"status": results[0].status_code, "body": results[0].get_json()}


@pytest.fixture
def postgres_only(database_url):
    if not is_postgres(database_url):
        pytest.skip("SQLite has no row locks; its one writer at a time serialises bookings (test_sessions_concurrency)")


def test_a_person_who_joined_while_the_booking_waited_for_the_case_is_checked(app, clock, postgres_only):
    case = mediation_case()
    newcomer = person("孙七")
    start, end = dt.datetime.fromisoformat(BODY["starts_at"]), dt.datetime.fromisoformat(BODY["ends_at"])
    holder = db.engine.connect()
    transaction = holder.begin()
    holder.execute(text("SELECT id FROM cases WHERE id = :c FOR UPDATE"), {"c": case.id})
    holder.execute(  # an invitation accepted meanwhile binds the newcomer to the respondent
        text(
            "UPDATE case_parties SET user_id = :u, joined_at = :now, name = '孙七' WHERE case_id = :c AND role = "
            "'respondent'"
        ),
        {"u": newcomer.id, "c": case.id, "now": clock()},
    )
    holder.execute(  # who is not free at that time
        text(
            "INSERT INTO user_unavailability (id, created_at, updated_at, user_id, starts_at, ends_at) "
            "VALUES (:id, :now, :now, :u, :start, :end)"
        ),
        {"id": uuid.uuid4(), "now": clock(), "u": newcomer.id, "start": start, "end": end},
    )
    answer = _book_while_held(app, case, holder, transaction)
    assert answer["status"] == 409, answer
    assert answer["body"]["reason"] == "mediation.slot_conflict"
    assert answer["body"]["errors"]["double_booked"] == [
        {"role": "party", "party_role": "respondent", "name": "孙*", "reasons": ["unavailable"]}
    ]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(MediationSession)) == 0


def test_a_session_booked_while_the_booking_waited_for_a_schedule_lock_is_seen(app, clock, postgres_only):
    counsel = lawyer("冯律师")
    case, other = mediation_case(), mediation_case()
    add_lawyer(case, counsel)
    add_lawyer(other, counsel)
    start, end = dt.datetime.fromisoformat(BODY["starts_at"]), dt.datetime.fromisoformat(BODY["ends_at"])
    holder = db.engine.connect()
    with holder.begin():  # the row exists and is committed: only the row lock below holds the booking back
        holder.execute(
            text("INSERT INTO schedule_locks (user_id) VALUES (:u) ON CONFLICT DO NOTHING"), {"u": counsel.id}
        )
    transaction = holder.begin()
    holder.execute(text("SELECT user_id FROM schedule_locks WHERE user_id = :u FOR UPDATE"), {"u": counsel.id})
    holder.execute(  # the other case's booking, holding the lawyer's row until it commits
        text(
            "INSERT INTO mediation_sessions (id, created_at, updated_at, case_id, kind, mediator_user_id, starts_at, "
            "ends_at, mode, status) VALUES (:id, :now, :now, :c, 'mediation', :m, :start, :end, 'phone', 'scheduled')"
        ),
        {
            "id": uuid.uuid4(),
            "now": clock(),
            "c": other.id,
            "m": other.mediator_user_id,
            "start": start,
            "end": end,
        },
    )
    answer = _book_while_held(app, case, holder, transaction)
    assert answer["status"] == 409, answer
    assert answer["body"]["errors"]["double_booked"] == [
        {"role": "lawyer", "party_role": "respondent", "name": "冯**", "reasons": ["session"]}
    ]
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(MediationSession).where(MediationSession.case_id == case.id))
        == 0
    )


def test_a_free_slot_books_with_its_reminders(client, clock):
    """The session and one reminder per participant and offset are written together (both databases)."""
    from app.scheduling.models import SessionReminder
    from app.scheduling.reminders import offsets_minutes

    case = mediation_case()
    headers = login(db.session.get(User, case.mediator_user_id))
    answer = client.post(f"{MP}/cases/{case.id}/sessions", json=BODY, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    db.session.expire_all()
    session = db.session.scalars(select(MediationSession).where(MediationSession.case_id == case.id)).one()
    assert str(session.id) == answer.get_json()["id"]
    rows = db.session.scalars(select(SessionReminder).where(SessionReminder.session_id == session.id)).all()
    people = {case.mediator_user_id, case.filed_by_user_id}
    assert {(row.user_id, row.offset_minutes) for row in rows} == {(u, m) for u in people for m in offsets_minutes()}
    assert all(row.status == "pending" and row.notification_id is None for row in rows)
    assert all(row.remind_at == session.starts_at - dt.timedelta(minutes=row.offset_minutes) for row in rows)
    assert all(row.created_at == session.created_at == clock() for row in rows)
