"""A booking's timeline entries and the mediation's start land with the session, and only with it (both databases).

Issue 18: on PostgreSQL the overlap check, the session, its reminders, the entries and the case's new status are
one statement (app/scheduling/booking.py `book_and_record`); SQLite writes them one statement each. Either way the
case in the session is the row as written, and the Idempotency-Key layer knows the request wrote (its commit is
deferred to the answer: the work must be marked pending, or a failure after it would not land it).
"""

import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case, TimelineEvent
from app.extensions import db
from app.platform import idempotency
from app.scheduling.models import MediationSession
from tests.support.factories import login
from tests.support.scheduling import MP, local, mediation_case, mediator

DAY = "2026-11-10"
SLOT = {"starts_at": local(DAY, "09:00"), "ends_at": local(DAY, "10:00"), "mode": "phone"}


@pytest.fixture
def pending(monkeypatch) -> list[bool]:
    """After each deferred commit (a view's commit inside an Idempotency-Key request), whether the work is pending."""
    seen: list[bool] = []
    real = idempotency._deferred_commit

    def spied(session) -> None:
        real(session)
        held = idempotency._held(session)
        seen.append(held is not None and held.pending)

    monkeypatch.setattr(idempotency, "_deferred_commit", spied)
    return seen


def entries(case: Case) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(TimelineEvent.case_id == case.id).order_by(TimelineEvent.at, TimelineEvent.id)
    return list(db.session.scalars(query))


def book(client, case: Case, user, slot: dict = SLOT):
    headers = login(user) | {"Idempotency-Key": uuid.uuid4().hex}
    return client.post(f"{MP}/cases/{case.id}/sessions", json=slot, headers=headers)


def test_the_first_session_starts_the_mediation_with_its_entries(client, clock, pending):
    med = mediator()
    case = mediation_case(mediator_user=med)
    before = len(entries(case))
    answer = book(client, case, med)
    assert answer.status_code == 201, answer.get_json()
    assert pending == [True]
    db.session.expire_all()
    assert case.status == "in_mediation" and case.updated_at == clock()
    written = entries(case)[before:]
    assert [entry.type for entry in written] == ["session.scheduled", "mediation.started"]
    assert written[0].data["session_id"] == answer.get_json()["id"] and written[0].actor_role == "mediator"
    assert (written[1].from_status, written[1].to_status) == ("mediator_accepted", "in_mediation")

    later = {"starts_at": local(DAY, "14:00"), "ends_at": local(DAY, "15:00"), "mode": "phone"}
    again = book(client, case, med, later)
    assert again.status_code == 201, again.get_json()
    assert pending == [True, True]  # no change of the case: the session and its entry are the write
    db.session.expire_all()
    assert case.status == "in_mediation"
    assert [(entry.type, entry.data.get("session_id")) for entry in entries(case)[before + 2 :]] == [
        ("session.scheduled", again.get_json()["id"])
    ]


def test_a_refused_slot_writes_no_entry_and_starts_nothing(client, clock, pending):
    med = mediator()
    first, second = mediation_case(mediator_user=med), mediation_case(mediator_user=med)
    assert book(client, first, med).status_code == 201
    before = len(entries(second))
    answer = book(client, second, med)
    assert answer.status_code == 409 and answer.get_json()["reason"] == "mediation.slot_conflict"
    db.session.expire_all()
    assert second.status == "mediator_accepted"
    assert len(entries(second)) == before
    sessions = select(MediationSession).where(MediationSession.case_id == second.id)
    assert db.session.scalars(sessions).all() == []
