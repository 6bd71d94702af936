"""Hearings (庭审) and pre-trial meetings: who books them, what a valid booking is, and what it moves."""

import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case, TimelineEvent
from app.documents import ServedDocument
from app.extensions import db
from app.scheduling.models import HearingSummons, MediationSession, SessionReminder
from tests.support.factories import grant, login, machine_headers, make_court
from tests.support.hearings import COURT, book, courtroom, trial
from tests.support.scheduling import MP, local, person

DAY = "2026-11-10"  # a Tuesday; the test clock stands at 2026-11-02 10:00 Shanghai


def _types(case) -> list[str]:
    return [e.type for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id))]


def test_the_clerk_books_a_hearing_the_case_is_scheduled_and_every_party_is_summoned(client, clock):
    t = trial()
    response = book(client, t, local(DAY, "09:00"), local(DAY, "11:00"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "hearing" and body["status"] == "scheduled" and body["mode"] == "in_person"
    assert body["courtroom_id"] == str(t.room.id) and body["location"] == "第一法庭（三楼）"
    assert body["judge_user_id"] == str(t.judge.id) and body["clerk_user_id"] == str(t.clerk.id)
    assert body["starts_at"] == "2026-11-10T09:00:00+08:00" and body["case_number"] == t.case.case_number
    db.session.expire_all()
    assert db.session.get(Case, t.case.id).status == "hearing_scheduled"
    assert {"hearing.scheduled", "status.hearing_scheduled"} <= set(_types(t.case))
    # one summons per party, served through e-service as a PDF 传票
    assert len(body["summons"]) == 2 and all(s["round"] == 1 and s["document_id"] for s in body["summons"])
    documents = db.session.scalars(select(ServedDocument).where(ServedDocument.case_id == t.case.id)).all()
    assert {d.doc_type for d in documents} == {"summons"} and len(documents) == 2
    assert all(d.content_type == "application/pdf" and d.submitter_role == "clerk" for d in documents)
    # reminders for the judge, the clerk and both parties, 24 h and 1 h before
    reminders = db.session.scalars(select(SessionReminder)).all()
    assert {r.user_id for r in reminders} == {t.judge.id, t.clerk.id, t.plaintiff.id, t.defendant.id}
    assert len(reminders) == 8


def test_a_judge_books_for_themself_and_the_summons_goes_out_in_the_courts_name(client, clock):
    t = trial()
    response = book(client, t, local(DAY, "14:00"), local(DAY, "15:00"), as_user=t.judge, judge_user_id=None)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["judge_user_id"] == str(t.judge.id)
    assert response.get_json()["clerk_user_id"] is None
    documents = db.session.scalars(select(ServedDocument).where(ServedDocument.case_id == t.case.id)).all()
    assert len(documents) == 2 and {d.submitter for d in documents} == {f"machine:hearings:{t.court.id}"}


def test_a_court_system_books_an_online_pretrial_meeting_and_the_state_stays(client, clock):
    t = trial()
    body = {
        "kind": "pretrial_meeting",
        "starts_at": local(DAY, "09:00"),
        "ends_at": local(DAY, "10:00"),
        "mode": "video",
        "meeting_url": "https://meeting.example.cn/j/1",
        "judge_user_id": str(t.judge.id),
    }
    response = client.post(f"{COURT}/cases/{t.case.id}/hearings", json=body, headers=machine_headers(t.court))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"] == "pretrial_meeting" and response.get_json()["courtroom_id"] is None
    db.session.expire_all()
    assert db.session.get(Case, t.case.id).status == "accepted"


@pytest.mark.parametrize(
    "drop,extra,field",
    [
        ("courtroom_id", {}, "courtroom_id"),
        ("courtroom_id", {"mode": "video"}, "meeting_url"),
        ("judge_user_id", {}, "judge_user_id"),
    ],
)
def test_a_booking_needs_its_place_and_its_judge(client, clock, drop, extra, field):
    t = trial()
    body = {
        "starts_at": local(DAY, "09:00"),
        "ends_at": local(DAY, "10:00"),
        "mode": "in_person",
        "courtroom_id": str(t.room.id),
        "judge_user_id": str(t.judge.id),
        **extra,
    }
    body.pop(drop)
    response = client.post(f"{COURT}/cases/{t.case.id}/hearings", json=body, headers=login(t.clerk))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_the_courtroom_and_the_judge_must_be_of_the_cases_court(client, clock):
    t = trial()
    elsewhere = make_court()
    foreign_room = courtroom(elsewhere, "外院法庭")
    foreign_judge = person("周法官")
    grant(foreign_judge, role="judge", court=elsewhere)
    r1 = book(client, t, local(DAY, "09:00"), local(DAY, "10:00"), courtroom_id=str(foreign_room.id))
    r2 = book(client, t, local(DAY, "09:00"), local(DAY, "10:00"), judge_user_id=str(foreign_judge.id))
    r3 = book(client, t, local(DAY, "09:00"), local(DAY, "10:00"), judge_user_id=str(t.clerk.id))
    assert r1.status_code == 422 and "courtroom_id" in r1.get_json()["errors"]
    assert r2.status_code == 422 and "judge_user_id" in r2.get_json()["errors"]
    assert r3.status_code == 422 and "judge_user_id" in r3.get_json()["errors"]


def test_only_accepted_litigation_is_scheduled_and_other_courts_see_nothing(client, clock):
    t = trial(status="submitted")
    response = book(client, t, local(DAY, "09:00"), local(DAY, "10:00"))
    assert response.status_code == 409 and response.get_json()["reason"] == "session.case_not_schedulable"
    other_clerk = person("吴书记")
    grant(other_clerk, role="clerk", court=make_court())
    t2 = trial()
    response = book(client, t2, local(DAY, "09:00"), local(DAY, "10:00"), as_user=other_clerk)
    assert response.status_code == 404 and response.get_json()["reason"] == "case.not_found"


def test_a_courtroom_is_never_double_booked(client, clock):
    t1 = trial()
    t2 = trial(court=t1.court, clerk=t1.clerk)
    t2.room = t1.room
    other_judge = person("郑法官")
    grant(other_judge, role="judge", court=t1.court)
    assert book(client, t1, local(DAY, "09:00"), local(DAY, "11:00")).status_code == 201
    # another case, another judge and other parties; the clerk differs too: only the room is shared
    clerk2 = person("冯书记")
    grant(clerk2, role="clerk", court=t1.court)
    response = book(
        client, t2, local(DAY, "10:00"), local(DAY, "12:00"), as_user=clerk2, judge_user_id=str(other_judge.id)
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["reason"] == "mediation.slot_conflict"
    assert body["errors"]["double_booked"] == [
        {"role": "courtroom", "party_role": None, "name": "第一法庭", "reasons": ["session"]}
    ]
    # touching intervals do not clash
    ok = book(client, t2, local(DAY, "11:00"), local(DAY, "12:00"), as_user=clerk2, judge_user_id=str(other_judge.id))
    assert ok.status_code == 201, ok.get_json()


def test_the_judge_is_never_in_two_hearings_at_once(client, clock):
    t1 = trial()
    t2 = trial(court=t1.court, judge=t1.judge)
    assert book(client, t1, local(DAY, "09:00"), local(DAY, "11:00")).status_code == 201
    response = book(client, t2, local(DAY, "10:30"), local(DAY, "11:30"))
    assert response.status_code == 409
    roles = {item["role"] for item in response.get_json()["errors"]["double_booked"]}
    assert roles == {"judge"}  # each case has its own clerk, parties and courtroom


def test_postponement_needs_a_reason_moves_the_hearing_and_summons_again(client, clock):
    t = trial()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    url = f"{COURT}/hearings/{hearing['id']}/postpone"
    later = {"starts_at": local("2026-11-12", "14:00"), "ends_at": local("2026-11-12", "15:00")}
    assert client.post(url, json=later, headers=login(t.clerk)).status_code == 422
    response = client.post(url, json={**later, "reason": "被告申请延期，理由正当"}, headers=login(t.clerk))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["starts_at"] == "2026-11-12T14:00:00+08:00" and body["status"] == "scheduled"
    assert body["postponements"][0]["reason"] == "被告申请延期，理由正当"
    assert sorted(s["round"] for s in body["summons"]) == [1, 1, 2, 2]
    assert "hearing.postponed" in _types(t.case)
    pending = db.session.scalars(select(SessionReminder).where(SessionReminder.status == "pending")).all()
    assert {r.remind_at.date().isoformat() for r in pending} == {"2026-11-11", "2026-11-12"}


def test_cancelling_the_only_hearing_puts_the_case_back_in_trial(client, clock):
    t = trial()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    url = f"{COURT}/hearings/{hearing['id']}/cancel"
    assert client.post(url, json={}, headers=login(t.clerk)).status_code == 422
    response = client.post(url, json={"reason": "原告撤回起诉"}, headers=login(t.judge))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert db.session.get(Case, t.case.id).status == "in_trial"
    again = client.post(url, json={"reason": "again"}, headers=login(t.clerk))
    assert again.status_code == 409 and again.get_json()["reason"] == "session.not_scheduled"


def test_attendance_is_recorded_with_the_absent_partys_consequence(client, clock):
    t = trial()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    url = f"{COURT}/hearings/{hearing['id']}/held"
    early = client.post(url, json={"attendance": []}, headers=login(t.clerk))
    assert early.status_code == 409 and early.get_json()["reason"] == "session.not_started"
    clock.set(clock().replace(year=2026, month=11, day=10, hour=2, minute=5))  # 10:05 Shanghai
    stranger = client.post(
        url, json={"attendance": [{"user_id": str(person().id), "present": True}]}, headers=login(t.clerk)
    )
    assert stranger.status_code == 422
    present = [{"user_id": str(u.id), "present": True} for u in (t.judge, t.clerk, t.plaintiff)]
    response = client.post(url, json={"attendance": present, "note": "被告未到庭"}, headers=login(t.clerk))
    assert response.status_code == 200, response.get_json()
    rows = {row["user_id"]: row for row in response.get_json()["attendance"]}
    assert rows[str(t.defendant.id)]["attended"] is False
    assert rows[str(t.defendant.id)]["consequence"] == "default_judgment_possible"
    assert rows[str(t.plaintiff.id)]["attended"] is True and rows[str(t.plaintiff.id)]["consequence"] is None
    db.session.expire_all()
    assert db.session.get(Case, t.case.id).status == "in_trial"
    assert "hearing.held" in _types(t.case) and "status.in_trial" in _types(t.case)


def test_an_absent_plaintiff_may_be_treated_as_withdrawn(client, clock):
    t = trial()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    clock.set(clock().replace(year=2026, month=11, day=10, hour=2, minute=5))
    present = [{"user_id": str(t.defendant.id), "present": True}]
    body = client.post(f"{COURT}/hearings/{hearing['id']}/held", json={"attendance": present}, headers=login(t.judge))
    rows = {row["user_id"]: row for row in body.get_json()["attendance"]}
    assert rows[str(t.plaintiff.id)]["consequence"] == "may_be_treated_as_withdrawn"


def test_a_case_that_ends_cancels_its_hearings(client, clock, app):
    from app.cases import lifecycle

    t = trial()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    case = db.session.get(Case, t.case.id)
    lifecycle.transition(case, "closed", actor=None, actor_role="system", reason="准予撤诉")
    db.session.commit()
    session = db.session.get(MediationSession, uuid.UUID(hearing["id"]))
    assert session.status == "cancelled" and session.cancel_reason == "the case ended (closed)"
    assert db.session.get(Case, t.case.id).status == "closed"
    assert not db.session.scalars(select(SessionReminder).where(SessionReminder.status == "pending")).all()


def test_parties_see_their_hearing_on_the_phone_and_cannot_manage_it(client, clock):
    t = trial()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    schedule = client.get(f"{MP}/me/schedule", headers=login(t.defendant)).get_json()
    [item] = schedule["items"]
    assert item["id"] == hearing["id"] and item["kind"] == "hearing" and item["my_role"] == "party"
    assert item["location"] == "第一法庭（三楼）" and item["mediator_user_id"] is None
    listed = client.get(f"{MP}/cases/{t.case.id}/sessions", headers=login(t.plaintiff)).get_json()
    assert [s["kind"] for s in listed] == ["hearing"]
    judge_view = client.get(f"{MP}/me/schedule", headers=login(t.judge)).get_json()
    assert [i["my_role"] for i in judge_view["items"]] == ["judge"]
    answer = client.post(
        f"{MP}/sessions/{hearing['id']}/attendance", json={"attending": True}, headers=login(t.plaintiff)
    )
    assert answer.status_code == 200
    move = client.patch(f"{MP}/sessions/{hearing['id']}", json={"mode": "phone"}, headers=login(t.plaintiff))
    assert move.status_code == 403 and move.get_json()["reason"] == "session.not_the_mediator"
    # the court's routes do not know mediation sessions, nor hearings of another court
    assert client.get(f"{COURT}/hearings/{hearing['id']}", headers=login(t.clerk)).status_code == 200
    outsider = person()
    grant(outsider, role="clerk", court=make_court())
    assert client.get(f"{COURT}/hearings/{hearing['id']}", headers=login(outsider)).status_code == 404


def test_the_court_calendar_per_judge_and_courtroom(client, clock):
    t1 = trial()
    t2 = trial(court=t1.court)  # its own clerk and judge
    assert book(client, t1, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    assert book(client, t2, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    query = {"from": local(DAY, "00:00"), "to": local("2026-11-11", "00:00")}
    everything = client.get(f"{COURT}/hearings", query_string=query, headers=login(t1.clerk)).get_json()
    assert len(everything["items"]) == 2
    judge2 = client.get(
        f"{COURT}/hearings", query_string={**query, "judge_user_id": str(t1.judge.id)}, headers=login(t1.judge)
    ).get_json()
    assert [i["case_id"] for i in judge2["items"]] == [str(t1.case.id)]
    by_room = client.get(
        f"{COURT}/hearings", query_string={**query, "courtroom_id": str(t2.room.id)}, headers=login(t1.clerk)
    ).get_json()
    assert [i["case_id"] for i in by_room["items"]] == [str(t2.case.id)]


def test_summons_rows_name_every_party_once_per_round(client, clock):
    t = trial()
    hearing = book(client, t, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    rows = db.session.scalars(select(HearingSummons).where(HearingSummons.session_id == uuid.UUID(hearing["id"]))).all()
    assert len(rows) == 2 and all(r.error is None for r in rows)
