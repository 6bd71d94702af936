"""A case that ends cancels its future sessions and their pending reminders (issue 14, item 4)."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.cases.models import Case, TimelineEvent
from app.extensions import db
from app.scheduling import reminders
from app.scheduling.models import MediationSession, SessionReminder
from tests.support.factories import login
from tests.support.scheduling import MP, book, local, mediation_case, mediator

DAYS = ("2026-11-10", "2026-11-12")  # the test clock stands at 2026-11-02 10:00 Shanghai


def _two_sessions(client):
    med = mediator()
    case = mediation_case(mediator_user=med)
    for day in DAYS:
        assert book(client, case, med, local(day, "09:00"), local(day, "10:00")).status_code == 201
    return med, case


def _cancel_events(case):
    return db.session.scalars(
        select(TimelineEvent).where(TimelineEvent.case_id == case.id, TimelineEvent.type == "session.cancelled")
    ).all()


@pytest.mark.parametrize(
    ("who", "path", "body", "status"),
    [
        ("filer", "withdraw", {"reason": "已和解"}, "withdrawn"),
        ("mediator", "outcome", {"result": "failed", "reason": "双方分歧过大"}, "failed"),
        ("mediator", "outcome", {"result": "settled", "terms": "李四于年底前归还借款。"}, "settled"),
    ],
)
def test_an_ended_case_has_no_session_or_reminder_left(client, clock, who, path, body, status):
    med, case = _two_sessions(client)
    user = med if who == "mediator" else db.session.get(Case, case.id).filed_by_user_id
    headers = login(med) if who == "mediator" else login(_user(user))
    response = client.post(f"{MP}/cases/{case.id}/{path}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.get_json()
    assert db.session.get(Case, case.id).status == status
    sessions = db.session.scalars(select(MediationSession).where(MediationSession.case_id == case.id)).all()
    assert {s.status for s in sessions} == {"cancelled"}
    assert all(s.cancel_reason == f"the case ended ({status})" for s in sessions)
    assert {r.status for r in db.session.scalars(select(SessionReminder))} == {"cancelled"}
    events = _cancel_events(case)
    assert len(events) == 2 and {e.actor_role for e in events} == {"system"}
    clock.set(
        dt.datetime.fromisoformat(local(DAYS[0], "08:30"))
    )  # the hour-before reminder would be due now: nothing goes out
    assert reminders.due_ids() == []


def test_a_session_already_held_stays_as_it_was(client, clock):
    _med, case = _two_sessions(client)
    clock.set(dt.datetime.fromisoformat(local(DAYS[0], "11:00")))  # the first session is over, the second still ahead
    response = client.post(f"{MP}/cases/{case.id}/withdraw", json={"reason": "已和解"}, headers=login(_filer(case)))
    assert response.status_code == 200, response.get_json()
    by_day = {
        s.starts_at.date().isoformat(): s.status
        for s in db.session.scalars(select(MediationSession).where(MediationSession.case_id == case.id))
    }
    assert sorted(by_day.values()) == ["cancelled", "scheduled"] and len(_cancel_events(case)) == 1


def test_each_cancelled_session_counts_its_own_reminders_and_one_under_way_loses_its_pending_ones(client, clock):
    """The sessions' cancellation and the reminders' are one statement on PostgreSQL (app/scheduling/ended_case.py):
    a session ahead counts only its own reminders in its timeline entry; a session under way is not cancelled, but
    its pending reminders are; every row cancelled carries the time of the ending."""
    med, case = _two_sessions(client)
    ahead = db.session.scalars(
        select(MediationSession).where(MediationSession.case_id == case.id).order_by(MediationSession.starts_at)
    ).all()[1]
    ahead_reminders = db.session.scalars(select(SessionReminder).where(SessionReminder.session_id == ahead.id)).all()
    assert len(ahead_reminders) > 1
    ahead_reminders[0].status = "notified"  # handed over already: not cancelled, not counted
    db.session.commit()
    at = dt.datetime.fromisoformat(local(DAYS[0], "09:30"))
    clock.set(at)  # the first session is under way
    body = {"result": "failed", "reason": "双方分歧过大"}
    response = client.post(f"{MP}/cases/{case.id}/outcome", json=body, headers=login(med))
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    sessions = db.session.scalars(
        select(MediationSession).where(MediationSession.case_id == case.id).order_by(MediationSession.starts_at)
    ).all()
    assert [s.status for s in sessions] == ["scheduled", "cancelled"]
    cancelled = sessions[1]
    assert cancelled.cancelled_at == at and cancelled.updated_at == at
    assert cancelled.cancelled_by == med.id and cancelled.cancel_reason == "the case ended (failed)"
    rows = db.session.scalars(select(SessionReminder)).all()
    assert sorted(r.status for r in rows) == [*["cancelled"] * (len(rows) - 1), "notified"]
    assert all(r.updated_at == at for r in rows if r.status == "cancelled")
    [event] = _cancel_events(case)
    assert event.data["session_id"] == str(cancelled.id)
    assert f"已取消{len(ahead_reminders) - 1}条提醒" in event.summary


def _filer(case):
    return _user(db.session.get(Case, case.id).filed_by_user_id)


def _user(user_id):
    from app.identity import User

    return db.session.get(User, user_id)
