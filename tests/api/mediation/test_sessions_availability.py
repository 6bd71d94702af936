"""Working hours, declared unavailability and the free-slot search (Asia/Shanghai, no daylight saving)."""

import pytest

from app.extensions import db
from app.mediation.models import MediatorProfile
from tests.support.factories import login, make_org, make_user
from tests.support.scheduling import MP, book, join, local, mediation_case, mediator, parse, person

WEEK = [
    {"weekday": 0, "start": "09:00", "end": "12:00"},
    {"weekday": 0, "start": "13:30", "end": "17:30"},
    {"weekday": 1, "start": "09:00", "end": "12:00"},
]
TUESDAY = "2026-11-10"


def hours(client, user, week=WEEK):
    return client.put(f"{MP}/me/working-hours", json={"hours": week}, headers=login(user))


def slots(client, user, mediator_id, start, end, **extra):
    query = {"from": start, "to": end, **extra}
    response = client.get(f"{MP}/mediators/{mediator_id}/availability", query_string=query, headers=login(user))
    assert response.status_code == 200, response.get_json()
    return [(s["starts_at"], s["ends_at"]) for s in response.get_json()["slots"]]


def test_a_mediator_keeps_working_hours_others_cannot(client):
    med = mediator()
    saved = hours(client, med)
    assert saved.status_code == 200
    assert saved.get_json() == {"time_zone": "Asia/Shanghai", "hours": WEEK}
    assert client.get(f"{MP}/me/working-hours", headers=login(med)).get_json()["hours"] == WEEK
    replaced = hours(client, med, [{"weekday": 6, "start": "00:00", "end": "24:00"}])
    assert replaced.get_json()["hours"] == [{"weekday": 6, "start": "00:00", "end": "24:00"}]
    citizen = make_user()
    refused = hours(client, citizen)
    assert refused.status_code == 403 and refused.get_json()["reason"] == "schedule.not_a_mediator"
    assert client.get(f"{MP}/me/working-hours", headers=login(citizen)).status_code == 403


@pytest.mark.parametrize(
    "week",
    [
        [{"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 0, "start": "11:00", "end": "13:00"}],
        [{"weekday": 0, "start": "12:00", "end": "09:00"}],
        [{"weekday": 0, "start": "9:00", "end": "12:00"}],
        [{"weekday": 7, "start": "09:00", "end": "12:00"}],
        [{"weekday": 0, "start": "09:00", "end": "24:30"}],
        [{"weekday": 0, "start": "09:00", "end": "12:00", "tz": "UTC"}],
    ],
)
def test_bad_weeks_are_422_and_change_nothing(client, week):
    med = mediator()
    hours(client, med)
    assert hours(client, med, week).status_code == 422
    assert client.get(f"{MP}/me/working-hours", headers=login(med)).get_json()["hours"] == WEEK


def test_free_slots_are_working_hours_minus_sessions_and_time_off(client, clock):
    med = mediator()
    hours(client, med)
    case = mediation_case(mediator_user=med)
    assert book(client, case, med, local(TUESDAY, "10:00"), local(TUESDAY, "11:00")).status_code == 201
    asker = make_user()
    day = (local(TUESDAY, "00:00"), local("2026-11-11", "00:00"))
    assert slots(client, asker, med.id, *day) == [
        ("2026-11-10T09:00:00+08:00", "2026-11-10T10:00:00+08:00"),
        ("2026-11-10T11:00:00+08:00", "2026-11-10T12:00:00+08:00"),
    ]
    assert len(slots(client, asker, med.id, *day, slot_minutes=30)) == 4
    off = {"from": local(TUESDAY, "11:30"), "to": local(TUESDAY, "13:00")}
    assert client.post(f"{MP}/me/unavailability", json=off, headers=login(med)).status_code == 201
    assert slots(client, asker, med.id, *day, slot_minutes=30) == [
        ("2026-11-10T09:00:00+08:00", "2026-11-10T09:30:00+08:00"),
        ("2026-11-10T09:30:00+08:00", "2026-11-10T10:00:00+08:00"),
        ("2026-11-10T11:00:00+08:00", "2026-11-10T11:30:00+08:00"),
    ]
    # Monday has two windows; Wednesday has none
    monday = slots(client, asker, med.id, local("2026-11-09", "00:00"), local("2026-11-09", "23:59"), slot_minutes=120)
    assert monday == [
        ("2026-11-09T09:00:00+08:00", "2026-11-09T11:00:00+08:00"),
        ("2026-11-09T13:30:00+08:00", "2026-11-09T15:30:00+08:00"),
        ("2026-11-09T15:30:00+08:00", "2026-11-09T17:30:00+08:00"),
    ]
    assert slots(client, asker, med.id, local("2026-11-11", "00:00"), local("2026-11-12", "00:00")) == []


def test_with_a_case_everyone_in_it_must_be_free(client, clock):
    med = mediator()
    hours(client, med)
    citizen = person("郑某")
    case = mediation_case(mediator_user=med)
    join(case, citizen)
    away = {"from": local(TUESDAY, "09:00"), "to": local(TUESDAY, "10:00")}
    client.post(f"{MP}/me/unavailability", json=away, headers=login(citizen))
    day = (local(TUESDAY, "00:00"), local("2026-11-11", "00:00"))
    assert len(slots(client, med, med.id, *day)) == 3
    with_case = slots(client, med, med.id, *day, case_id=str(case.id))
    assert with_case == [
        ("2026-11-10T10:00:00+08:00", "2026-11-10T11:00:00+08:00"),
        ("2026-11-10T11:00:00+08:00", "2026-11-10T12:00:00+08:00"),
    ]
    stranger = make_user()
    query = {"from": day[0], "to": day[1], "case_id": str(case.id)}
    hidden = client.get(f"{MP}/mediators/{med.id}/availability", query_string=query, headers=login(stranger))
    assert hidden.status_code == 404 and hidden.get_json()["reason"] == "case.not_found"


def test_no_past_slots_and_starts_on_the_quarter_hour(client, clock):
    med = mediator()
    hours(client, med, [{"weekday": 0, "start": "08:00", "end": "12:00"}])
    clock.set(parse("2026-11-02T10:07:31+08:00"))  # a Monday, mid-morning
    found = slots(client, make_user(), med.id, local("2026-11-02", "00:00"), local("2026-11-03", "00:00"))
    assert found == [("2026-11-02T10:15:00+08:00", "2026-11-02T11:15:00+08:00")]


def test_shanghai_has_no_daylight_saving(client, clock):
    """The same local window is the same UTC window in January and July (and across other zones' switches)."""
    med = mediator()
    hours(client, med, [{"weekday": day, "start": "09:00", "end": "10:00"} for day in range(7)])
    asker = make_user()
    for day in ("2027-01-11", "2027-03-14", "2027-03-28", "2027-07-12", "2027-10-31", "2027-11-07"):
        found = slots(client, asker, med.id, f"{day}T00:00:00Z", f"{day}T23:59:00Z")
        assert found == [(f"{day}T09:00:00+08:00", f"{day}T10:00:00+08:00")], day
        assert parse(found[0][0]).utcoffset().total_seconds() == 8 * 3600


def test_unknown_mediators_and_directory_ids(client, clock):
    asker = make_user()
    for unknown in (asker.id, "00000000-0000-7000-8000-000000000000"):
        response = client.get(f"{MP}/mediators/{unknown}/availability", headers=login(asker))
        assert response.status_code == 404 and response.get_json()["reason"] == "mediator.not_found"
    org = make_org()
    med = mediator(org)
    hours(client, med)
    profile = MediatorProfile(org_id=org.id, user_id=med.id, display_name="王调解", region="浙江省宁波市")
    db.session.add(profile)
    db.session.commit()
    day = (local(TUESDAY, "00:00"), local("2026-11-11", "00:00"))
    assert slots(client, asker, profile.id, *day) == slots(client, asker, med.id, *day)
    response = client.get(
        f"{MP}/mediators/{profile.id}/availability", query_string={"from": day[0], "to": day[1]}, headers=login(asker)
    )
    assert response.get_json()["mediator_id"] == str(profile.id) and str(med.id) not in response.get_data(as_text=True)


def test_unavailability_is_ones_own(client, clock):
    citizen, other = make_user(), make_user()
    body = {"from": "2026-11-20T00:00:00+08:00", "to": "2026-11-21T00:00:00+08:00", "reason": "住院"}
    created = client.post(f"{MP}/me/unavailability", json=body, headers=login(citizen))
    assert created.status_code == 201
    assert created.get_json()["from"] == body["from"] and created.get_json()["to"] == body["to"]
    listed = client.get(f"{MP}/me/unavailability", headers=login(citizen)).get_json()
    assert [p["id"] for p in listed] == [created.get_json()["id"]]
    assert client.get(f"{MP}/me/unavailability", headers=login(other)).get_json() == []
    url = f"{MP}/me/unavailability/{created.get_json()['id']}"
    assert client.delete(url, headers=login(other)).status_code == 404
    assert client.delete(url, headers=login(citizen)).status_code == 204
    assert client.delete(url, headers=login(citizen)).status_code == 404
    clock.advance(days=30)
    assert client.get(f"{MP}/me/unavailability", headers=login(citizen)).get_json() == []


def test_a_retried_declaration_with_its_key_is_made_once(client, clock):
    """A mediator's phone that lost the answer sends the same declaration again with its Idempotency-Key: one period,
    and the first answer replayed (a new key would declare a second one)."""
    mediator_user = make_user()
    body = {"from": "2026-11-20T00:00:00+08:00", "to": "2026-11-21T00:00:00+08:00", "reason": "住院"}
    headers = {**login(mediator_user), "Idempotency-Key": "off-2026-11-20"}
    first = client.post(f"{MP}/me/unavailability", json=body, headers=headers)
    again = client.post(f"{MP}/me/unavailability", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    listed = client.get(f"{MP}/me/unavailability", headers=login(mediator_user)).get_json()
    assert [p["id"] for p in listed] == [first.get_json()["id"]]
    other_body = {**body, "reason": "出差"}
    assert client.post(f"{MP}/me/unavailability", json=other_body, headers=headers).status_code == 422


@pytest.mark.parametrize(
    "body,field",
    [
        ({"from": "2026-11-20T00:00:00", "to": "2026-11-21T00:00:00+08:00"}, "from"),
        ({"from": "2026-11-21T00:00:00+08:00", "to": "2026-11-20T00:00:00+08:00"}, "to"),
        ({"from": "2026-10-01T00:00:00+08:00", "to": "2026-10-02T00:00:00+08:00"}, "to"),
        ({"from": "2026-11-20T00:00:00+08:00", "to": "2028-11-20T00:00:00+08:00"}, "to"),
        ({"from": "2026-11-20T00:00:00+08:00", "to": "2026-11-21T00:00:00+08:00", "user_id": "x"}, "user_id"),
    ],
)
def test_bad_unavailability_is_422(client, clock, body, field):
    response = client.post(f"{MP}/me/unavailability", json=body, headers=login(make_user()))
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
