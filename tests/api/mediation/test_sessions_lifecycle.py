"""After booking: rescheduling, attendance, held sessions, and everyone's schedule across cases."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import User
from app.scheduling.models import SessionReminder
from tests.support.factories import login, make_user
from tests.support.scheduling import MP, add_lawyer, book, join, lawyer, local, mediation_case, mediator, parse, person

HOUR, DAY_LONG = dt.timedelta(hours=1), dt.timedelta(hours=24)
DAY = "2026-11-10"  # a Tuesday; the test clock stands at 2026-11-02 10:00 Shanghai


def test_reschedule_checks_everyone_but_itself_and_replaces_reminders(client, clock):
    med = mediator()
    case, other = mediation_case(mediator_user=med), mediation_case(mediator_user=med)
    session = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    assert book(client, other, med, local(DAY, "11:00"), local(DAY, "12:00")).status_code == 201
    url = f"{MP}/sessions/{session['id']}"
    nudged = client.patch(
        url, json={"starts_at": local(DAY, "09:30"), "ends_at": local(DAY, "10:30")}, headers=login(med)
    )
    assert nudged.status_code == 200 and nudged.get_json()["starts_at"] == "2026-11-10T09:30:00+08:00"
    clash = client.patch(
        url, json={"starts_at": local(DAY, "10:30"), "ends_at": local(DAY, "11:30")}, headers=login(med)
    )
    assert clash.status_code == 409 and clash.get_json()["reason"] == "mediation.slot_conflict"
    assert client.get(url, headers=login(med)).get_json()["starts_at"] == "2026-11-10T09:30:00+08:00"
    reminders = db.session.scalars(
        select(SessionReminder).where(SessionReminder.session_id == uuid.UUID(session["id"]))
    ).all()
    moved_to = parse(local(DAY, "09:30"))
    pending = [r for r in reminders if r.status == "pending"]
    assert sorted(moved_to - r.remind_at for r in pending) == [HOUR, HOUR, DAY_LONG, DAY_LONG]
    assert sorted(r.status for r in reminders if r not in pending) == ["cancelled"] * 4
    empty = client.patch(url, json={}, headers=login(med))
    assert empty.status_code == 422
    switched = client.patch(url, json={"mode": "video", "meeting_url": "https://m.cn/x"}, headers=login(med))
    assert switched.get_json()["mode"] == "video" and switched.get_json()["meeting_url"] == "https://m.cn/x"


def test_attendance_by_a_party_and_by_their_lawyer(client, clock):
    citizen, counsel = person("周某"), lawyer()
    case = mediation_case()
    join(case, citizen)
    add_lawyer(case, counsel)
    med = db.session.get(type(citizen), case.mediator_user_id)
    session = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    url = f"{MP}/sessions/{session['id']}/attendance"
    yes = client.post(url, json={}, headers=login(citizen))
    assert yes.status_code == 200
    mine = [a for a in yes.get_json()["attendance"] if a["is_me"]]
    assert mine == [
        {
            "party_id": mine[0]["party_id"],
            "role": "party",
            "attending": True,
            "confirmed_at": mine[0]["confirmed_at"],
            "attended": None,
            "is_me": True,
        }
    ]
    assert mine[0]["confirmed_at"] == "2026-11-02T10:00:00+08:00"
    no = client.post(url, json={"attending": False, "note": "另有庭审"}, headers=login(counsel))
    assert no.status_code == 200
    answers = {(a["role"], a["attending"]) for a in no.get_json()["attendance"]}
    assert answers == {("party", True), ("lawyer", False)}
    refused = client.post(url, json={}, headers=login(med))
    assert refused.status_code == 403 and refused.get_json()["reason"] == "session.not_a_party"
    clock.advance(days=9)
    assert client.post(url, json={}, headers=login(citizen)).status_code == 409


def test_the_mediator_records_a_held_session(client, clock):
    citizen = person("吴某")
    case = mediation_case()
    join(case, citizen)
    med = db.session.get(type(citizen), case.mediator_user_id)
    session = book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    url = f"{MP}/sessions/{session['id']}/held"
    early = client.post(url, json={"attended_user_ids": [str(citizen.id)]}, headers=login(med))
    assert early.status_code == 409 and early.get_json()["reason"] == "session.not_started"
    clock.set(parse(local(DAY, "10:05")))
    stranger = client.post(url, json={"attended_user_ids": [str(make_user().id)]}, headers=login(med))
    assert stranger.status_code == 422
    held = client.post(url, json={"attended_user_ids": [str(citizen.id), str(med.id)]}, headers=login(med))
    assert held.status_code == 200 and held.get_json()["status"] == "held"
    attended = {(a["role"], a["attended"]) for a in held.get_json()["attendance"]}
    assert attended == {("mediator", True), ("party", True), ("party", False)}  # the filer did not come
    assert client.post(url, json={}, headers=login(med)).status_code == 409


def test_my_schedule_across_cases_for_mediator_party_and_lawyer(client, clock):
    counsel = lawyer()
    first, second = mediation_case(title="第一案"), mediation_case(title="第二案")
    add_lawyer(first, counsel)
    add_lawyer(second, counsel, role="applicant")
    med_first = db.session.get(type(counsel), first.mediator_user_id)
    med_second = db.session.get(type(counsel), second.mediator_user_id)
    a = book(client, first, med_first, local(DAY, "09:00"), local(DAY, "10:00")).get_json()
    b = book(client, second, med_second, local("2026-11-20", "09:00"), local("2026-11-20", "10:00")).get_json()
    c = book(client, second, med_second, local("2026-12-20", "09:00"), local("2026-12-20", "10:00")).get_json()
    schedule = client.get(f"{MP}/me/schedule", headers=login(counsel)).get_json()  # default: 30 days from now
    assert schedule["from"] == "2026-11-02T10:00:00+08:00" and schedule["to"] == "2026-12-02T10:00:00+08:00"
    assert [(i["id"], i["case_title"], i["my_role"]) for i in schedule["items"]] == [
        (a["id"], "第一案", "lawyer"),
        (b["id"], "第二案", "lawyer"),
    ]
    window = {"from": local("2026-11-15", "00:00"), "to": local("2027-01-01", "00:00")}
    assert [
        i["id"]
        for i in client.get(f"{MP}/me/schedule", query_string=window, headers=login(counsel)).get_json()["items"]
    ] == [b["id"], c["id"]]
    mine = client.get(f"{MP}/me/schedule", query_string=window, headers=login(med_second)).get_json()["items"]
    assert [i["my_role"] for i in mine] == ["mediator", "mediator"]
    filer = db.session.get(type(counsel), first.filed_by_user_id)
    assert [i["my_role"] for i in client.get(f"{MP}/me/schedule", headers=login(filer)).get_json()["items"]] == [
        "party"
    ]
    client.post(f"{MP}/sessions/{b['id']}/cancel", json={}, headers=login(med_second))
    assert [
        i["id"]
        for i in client.get(f"{MP}/me/schedule", query_string=window, headers=login(counsel)).get_json()["items"]
    ] == [c["id"]]
    assert client.get(f"{MP}/me/schedule", headers=login(make_user())).get_json()["items"] == []


@pytest.mark.parametrize(
    "query,field",
    [
        ({"from": "2026-11-10T00:00:00"}, "from"),
        ({"from": local(DAY, "10:00"), "to": local(DAY, "09:00")}, "to"),
        ({"from": local(DAY, "00:00"), "to": local("2027-03-10", "00:00")}, "to"),
    ],
)
def test_schedule_ranges_are_checked(client, clock, query, field):
    response = client.get(f"{MP}/me/schedule", query_string=query, headers=login(make_user()))
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_schedule_includes_a_session_straddling_the_window_start_and_excludes_touching_ones(client, clock):
    case = mediation_case(title="跨界案")
    mediator = db.session.get(User, case.mediator_user_id)
    straddling = book(client, case, mediator, local(DAY, "09:00"), local(DAY, "11:00")).get_json()
    touching = book(client, case, mediator, local(DAY, "08:00"), local(DAY, "09:00")).get_json()
    window = {"from": local(DAY, "10:00"), "to": local(DAY, "12:00")}
    items = client.get(f"{MP}/me/schedule", query_string=window, headers=login(mediator)).get_json()["items"]
    assert [i["id"] for i in items] == [straddling["id"]] and touching["id"] != straddling["id"]
    ends_at_start = {"from": local(DAY, "11:00"), "to": local(DAY, "12:00")}
    assert (
        client.get(f"{MP}/me/schedule", query_string=ends_at_start, headers=login(mediator)).get_json()["items"] == []
    )
