"""Booking mediation sessions: who may, what a valid session is, and no double-booking (排期避让)."""

import pytest
from sqlalchemy import func, select

from app.cases.models import Case, TimelineEvent
from app.extensions import db
from app.scheduling.models import MediationSession, SessionReminder
from tests.support.factories import login, make_user
from tests.support.scheduling import (
    MP,
    add_lawyer,
    book,
    join,
    lawyer,
    local,
    mediation_case,
    mediator,
    person,
)

DAY = "2026-11-10"  # a Tuesday; the test clock stands at 2026-11-02 10:00 Shanghai


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_mediator_books_and_the_case_moves_into_mediation(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    response = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["starts_at"] == "2026-11-10T09:00:00+08:00" and body["ends_at"] == "2026-11-10T10:00:00+08:00"
    assert body["status"] == "scheduled" and body["mode"] == "phone" and body["my_role"] == "mediator"
    assert body["created_at"].endswith("+08:00")
    assert db.session.get(Case, case.id).status == "in_mediation"
    types = [e.type for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id))]
    assert "session.scheduled" in types and "mediation.started" in types
    # reminders for the mediator and the joined filer, 24 h and 1 h before, written with the booking
    reminders = db.session.scalars(select(SessionReminder)).all()
    assert sorted(r.offset_minutes for r in reminders) == [60, 60, 1440, 1440]
    assert {r.user_id for r in reminders} == {med.id, case.filed_by_user_id}


def test_the_case_detail_shows_the_next_session_in_shanghai_time(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    book(client, case, med, "2026-11-10T01:00:00Z", "2026-11-10T02:00:00Z", mode="video", meeting_url="https://m.cn/r")
    detail = client.get(f"{MP}/cases/{case.id}", headers=login(med)).get_json()
    assert detail["next_session"]["starts_at"] == "2026-11-10T09:00:00+08:00"
    assert detail["next_session"]["meeting_url"] == "https://m.cn/r"


@pytest.mark.parametrize(
    "start,end",
    [
        ("2026-11-10T09:00:00", "2026-11-10T10:00:00+08:00"),
        ("2026-11-10T09:00:00+08:00", "2026-11-10T10:00:00"),
        ("2026-11-10 09:00", "2026-11-10 10:00"),
        ("tomorrow at nine", "2026-11-10T10:00:00+08:00"),
    ],
)
def test_times_without_an_offset_are_refused(client, clock, start, end):
    med = mediator()
    case = mediation_case(mediator_user=med)
    response = book(client, case, med, start, end)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) & {"starts_at", "ends_at"}
    assert count(MediationSession) == 0


def test_the_same_instant_in_other_offsets_conflicts(client, clock):
    med = mediator()
    first, second = mediation_case(mediator_user=med), mediation_case(mediator_user=med)
    assert book(client, first, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    for start, end in [
        ("2026-11-10T01:00:00Z", "2026-11-10T02:00:00Z"),
        ("2026-11-10T10:00:00+09:00", "2026-11-10T11:00:00+09:00"),
        ("2026-11-09T20:00:00-05:00", "2026-11-09T21:00:00-05:00"),
    ]:
        response = book(client, second, med, start, end)
        assert response.status_code == 409, (start, response.get_json())
    # the same local times written in UTC touch but do not overlap
    ok = book(client, second, med, "2026-11-10T02:00:00+00:00", "2026-11-10T03:00:00+00:00")
    assert ok.status_code == 201 and ok.get_json()["starts_at"] == "2026-11-10T10:00:00+08:00"


@pytest.mark.parametrize(
    "start,end,status",
    [
        ("08:00", "09:00", 201),  # touches the start: half-open intervals do not overlap
        ("10:00", "11:00", 201),  # touches the end
        ("09:00", "10:00", 409),  # exact duplicate
        ("09:15", "09:45", 409),  # contained
        ("08:00", "11:00", 409),  # contains
        ("08:30", "09:30", 409),  # overlaps the start
        ("09:59", "10:30", 409),  # overlaps the end by a minute
    ],
)
def test_overlap_edges_for_the_same_mediator(client, clock, start, end, status):
    med = mediator()
    booked, other = mediation_case(mediator_user=med), mediation_case(mediator_user=med)
    assert book(client, booked, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    response = book(client, other, med, local(DAY, start), local(DAY, end))
    assert response.status_code == status, response.get_json()
    if status == 409:
        body = response.get_json()
        assert body["reason"] == "mediation.slot_conflict"
        assert body["errors"]["double_booked"] == [
            {"role": "mediator", "party_role": None, "name": "王**", "reasons": ["session"]}
        ]


def test_a_shared_lawyer_is_double_booked_across_cases_without_leaking_anything(client, clock):
    counsel = lawyer("赵大律师")
    first = mediation_case(title="甲公司与乙公司买卖合同纠纷")
    second = mediation_case()
    add_lawyer(first, counsel)
    add_lawyer(second, counsel)
    med_first = db.session.get(type(counsel), first.mediator_user_id)
    med_second = db.session.get(type(counsel), second.mediator_user_id)
    assert book(client, first, med_first, local(DAY, "14:00"), local(DAY, "16:00")).status_code == 201
    response = book(client, second, med_second, local(DAY, "15:00"), local(DAY, "17:00"))
    assert response.status_code == 409
    body = response.get_json()
    assert body["errors"]["double_booked"] == [
        {"role": "lawyer", "party_role": "respondent", "name": "赵***", "reasons": ["session"]}
    ]
    text = response.get_data(as_text=True)
    for secret in ("赵大律师", "甲公司", str(first.id), counsel.display_name):
        assert secret not in text


def test_a_party_in_two_cases_and_a_revoked_lawyer(client, clock):
    citizen = person("钱多多")
    first, second = mediation_case(), mediation_case()
    join(first, citizen)
    join(second, citizen)
    med_first = db.session.get(type(citizen), first.mediator_user_id)
    med_second = db.session.get(type(citizen), second.mediator_user_id)
    assert book(client, first, med_first, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    clash = book(client, second, med_second, local(DAY, "09:30"), local(DAY, "10:30"))
    assert clash.status_code == 409
    assert clash.get_json()["errors"]["double_booked"][0]["role"] == "party"
    assert clash.get_json()["errors"]["double_booked"][0]["party_role"] == "respondent"
    # a lawyer whose authority is no longer active does not block anyone
    counsel = lawyer()
    agent = add_lawyer(first, counsel)
    add_lawyer(second, counsel, role="applicant")
    agent.status = "revoked"
    db.session.commit()
    assert book(client, second, med_second, local(DAY, "10:00"), local(DAY, "11:00")).status_code == 201


def test_declared_unavailability_blocks_but_touching_does_not(client, clock):
    citizen = person("孙某")
    case = mediation_case()
    join(case, citizen)
    med = db.session.get(type(citizen), case.mediator_user_id)
    away = {"from": local(DAY, "09:00"), "to": local(DAY, "12:00"), "reason": "出差"}
    assert client.post(f"{MP}/me/unavailability", json=away, headers=login(citizen)).status_code == 201
    clash = book(client, case, med, local(DAY, "11:00"), local(DAY, "12:30"))
    assert clash.status_code == 409
    assert clash.get_json()["errors"]["double_booked"] == [
        {"role": "party", "party_role": "respondent", "name": "孙*", "reasons": ["unavailable"]}
    ]
    assert book(client, case, med, local(DAY, "12:00"), local(DAY, "13:00")).status_code == 201
    # the mediator's own time off blocks too
    off = {"from": local("2026-11-11", "00:00"), "to": local("2026-11-12", "00:00")}
    assert client.post(f"{MP}/me/unavailability", json=off, headers=login(med)).status_code == 201
    assert book(client, case, med, local("2026-11-11", "15:00"), local("2026-11-11", "16:00")).status_code == 409


def test_a_cancelled_session_frees_its_slot_and_its_reminders(client, clock):
    med = mediator()
    case, other = mediation_case(mediator_user=med), mediation_case(mediator_user=med)
    session = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    cancelled = client.post(f"{MP}/sessions/{session['id']}/cancel", json={"reason": "改期"}, headers=login(med))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "改期"
    statuses = {r.status for r in db.session.scalars(select(SessionReminder))}
    assert statuses == {"cancelled"}
    again = client.post(f"{MP}/sessions/{session['id']}/cancel", json={}, headers=login(med))
    assert again.status_code == 409 and again.get_json()["reason"] == "session.not_scheduled"
    assert book(client, other, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201


def test_only_the_cases_mediator_manages_sessions(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    filer = db.session.get(type(med), case.filed_by_user_id)
    refused = book(client, case, filer, local(DAY, "09:00"), local(DAY, "10:00"))
    assert refused.status_code == 403 and refused.get_json()["reason"] == "session.not_the_mediator"
    assert book(client, case, mediator(), local(DAY, "09:00"), local(DAY, "10:00")).status_code == 404
    assert book(client, case, make_user(), local(DAY, "09:00"), local(DAY, "10:00")).status_code == 404
    session = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    for user, status in ((filer, 403), (make_user(), 404)):
        moved = client.patch(f"{MP}/sessions/{session['id']}", json={"mode": "phone"}, headers=login(user))
        assert moved.status_code == status
        assert client.post(f"{MP}/sessions/{session['id']}/cancel", json={}, headers=login(user)).status_code == status
    assert client.get(f"{MP}/sessions/{session['id']}", headers=login(filer)).status_code == 200
    assert client.get(f"{MP}/sessions/{session['id']}", headers=login(make_user())).status_code == 404


@pytest.mark.parametrize("status", ["submitted", "assigned", "settled", "withdrawn"])
def test_sessions_need_a_case_with_its_mediator_in_place(client, clock, status):
    med = mediator()
    case = mediation_case(mediator_user=med, status=status)
    response = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00"))
    assert response.status_code == 409
    assert response.get_json()["reason"] == "session.case_not_schedulable"
    assert response.get_json()["errors"]["status"] == [status]


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"mode": "in_person"}, "location"),
        ({"mode": "video"}, "meeting_url"),
        ({"mode": "video", "meeting_url": "http://insecure.example.cn/r"}, "meeting_url"),
        ({"mode": "video", "meeting_url": "javascript:alert(1)"}, "meeting_url"),
        ({"mode": "carrier_pigeon"}, "mode"),
        ({"mode": "phone", "status": "held"}, "status"),
    ],
)
def test_the_mode_decides_what_is_required(client, clock, extra, field):
    med = mediator()
    case = mediation_case(mediator_user=med)
    body = {"starts_at": local(DAY, "09:00"), "ends_at": local(DAY, "10:00"), **extra}
    response = client.post(f"{MP}/cases/{case.id}/sessions", json=body, headers=login(med))
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert count(MediationSession) == 0


def test_in_person_keeps_the_location_and_phone_drops_it(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    there = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00"), mode="in_person", location="北仑调解室")
    assert there.get_json()["location"] == "北仑调解室" and there.get_json()["meeting_url"] is None
    call = book(client, case, med, local(DAY, "11:00"), local(DAY, "12:00"), location="北仑调解室")
    assert call.get_json()["location"] is None


@pytest.mark.parametrize(
    "start,end,field",
    [
        ("2026-11-01T09:00:00+08:00", "2026-11-01T10:00:00+08:00", "starts_at"),  # yesterday
        ("2026-11-02T10:00:00+08:00", "2026-11-02T11:00:00+08:00", "starts_at"),  # now is not the future
        ("2026-11-10T10:00:00+08:00", "2026-11-10T10:00:00+08:00", "ends_at"),  # empty
        ("2026-11-10T10:00:00+08:00", "2026-11-10T09:00:00+08:00", "ends_at"),  # backwards
        ("2026-11-10T08:00:00+08:00", "2026-11-10T16:01:00+08:00", "ends_at"),  # longer than 8 hours
    ],
)
def test_past_empty_backwards_and_overlong_sessions_are_422(client, clock, start, end, field):
    med = mediator()
    case = mediation_case(mediator_user=med)
    response = book(client, case, med, start, end)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_a_retried_booking_with_the_same_key_books_once(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    body = {"starts_at": local(DAY, "09:00"), "ends_at": local(DAY, "10:00"), "mode": "phone"}
    headers = {**login(med), "Idempotency-Key": "book-1"}
    first = client.post(f"{MP}/cases/{case.id}/sessions", json=body, headers=headers)
    again = client.post(f"{MP}/cases/{case.id}/sessions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    assert count(MediationSession) == 1


def test_a_refused_booking_writes_nothing(client, clock):
    med = mediator()
    case, other = mediation_case(mediator_user=med), mediation_case(mediator_user=med)
    assert book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    before = (count(MediationSession), count(SessionReminder), count(TimelineEvent))
    assert book(client, other, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 409
    assert (count(MediationSession), count(SessionReminder), count(TimelineEvent)) == before
    assert db.session.get(Case, other.id).status == "mediator_accepted"
