"""The court's queue of judicial-confirmation applications: what waits at the caller's court, oldest first."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_outcome import COURT, agreement, confirmation, dispute
from tests.support.factories import grant, login, machine_headers, make_court, make_org, make_user

URL = f"{COURT}/judicial-confirmations"
T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


def _application(court, *, status, submitted_hours, title="张三诉李四民间借贷纠纷", number=None):
    """An application at `court`, submitted `submitted_hours` after T0, with the court's two deadlines."""
    case = dispute(org=make_org(), court=court, title=title)
    row = confirmation(case, agreement(case), status=status)
    if status == "awaiting_consent":
        row.submitted_at = None
    else:
        row.submitted_at = T0 + dt.timedelta(hours=submitted_hours)
        row.accept_due_at = row.submitted_at + dt.timedelta(days=3)
        row.decide_due_at = row.submitted_at + dt.timedelta(days=18) if status != "submitted" else None
        row.case_number = number
    db.session.commit()
    return row


@pytest.fixture
def court_queue(app, clock):
    clock.set(T0 + dt.timedelta(days=1))
    court, other = make_court(), make_court()
    people = {name: make_user() for name in ("clerk", "judge", "other_clerk")}
    grant(people["clerk"], role="clerk", court=court)
    grant(people["judge"], role="judge", court=court)
    grant(people["other_clerk"], role="clerk", court=other)
    rows = {
        "newer": _application(court, status="submitted", submitted_hours=5, title="新申请"),
        "older": _application(
            court, status="accepted", submitted_hours=1, title="旧申请", number="(2026)浙0212调确1号"
        ),
        "awaiting": _application(court, status="awaiting_consent", submitted_hours=0),
        "confirmed": _application(court, status="confirmed", submitted_hours=0, number="(2026)浙0212调确2号"),
        "elsewhere": _application(other, status="submitted", submitted_hours=2),
    }
    headers = {name: login(user) for name, user in people.items()}
    headers["machine"], headers["other_machine"] = machine_headers(court), machine_headers(other)
    return {"court": court, "other": other, "rows": rows, "headers": headers, "people": people}


def _ids(body) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_it_lists_what_waits_for_the_callers_court_oldest_submitted_first(client, court_queue):
    rows = court_queue["rows"]
    response = client.get(URL, headers=court_queue["headers"]["clerk"])

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert _ids(body) == [str(rows["older"].id), str(rows["newer"].id)] and body["next_cursor"] is None
    older, newer = body["items"]
    assert older == {
        "id": str(rows["older"].id),
        "case_id": str(rows["older"].case_id),
        "case_title": "旧申请",
        "case_number": "(2026)浙0212调确1号",
        "court_id": str(court_queue["court"].id),
        "status": "accepted",
        "submitted_at": "2026-11-02T03:00:00+00:00",
        "court_deadline": "2026-11-20T03:00:00+00:00",  # decide_due_at once accepted
        "overdue": False,
    }
    assert (newer["status"], newer["case_number"]) == ("submitted", None)
    assert newer["court_deadline"] == "2026-11-05T07:00:00+00:00"  # accept_due_at while submitted


@pytest.mark.parametrize("who", ["judge", "machine"])
def test_the_courts_judges_and_its_system_see_the_same_queue(client, court_queue, who):
    clerk = client.get(URL, headers=court_queue["headers"]["clerk"]).get_json()
    assert client.get(URL, headers=court_queue["headers"][who]).get_json() == clerk


@pytest.mark.parametrize("who", ["other_clerk", "other_machine"])
def test_another_court_sees_only_its_own(client, court_queue, who):
    body = client.get(URL, headers=court_queue["headers"][who]).get_json()
    assert _ids(body) == [str(court_queue["rows"]["elsewhere"].id)]


def test_one_state_on_request_and_never_the_applications_still_with_the_parties(client, court_queue):
    headers = court_queue["headers"]["clerk"]
    confirmed = client.get(URL, query_string={"status": "confirmed"}, headers=headers).get_json()
    assert _ids(confirmed) == [str(court_queue["rows"]["confirmed"].id)]
    assert confirmed["items"][0]["court_deadline"] is None and confirmed["items"][0]["overdue"] is False
    submitted = client.get(URL, query_string={"status": "submitted"}, headers=headers).get_json()
    assert _ids(submitted) == [str(court_queue["rows"]["newer"].id)]
    refused = client.get(URL, query_string={"status": "awaiting_consent"}, headers=headers)
    assert refused.status_code == 422 and "status" in refused.get_json()["errors"]


def test_the_cursor_walks_the_queue_without_gaps_or_repeats(client, court_queue):
    headers, seen, cursor = court_queue["headers"]["clerk"], [], None
    for _ in range(5):
        query = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        body = client.get(URL, query_string=query, headers=headers).get_json()
        seen += _ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(court_queue["rows"]["older"].id), str(court_queue["rows"]["newer"].id)]
    bad = client.get(URL, query_string={"cursor": "not-a-cursor"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"]["cursor"]


def test_an_application_past_the_courts_deadline_is_flagged(client, clock, court_queue):
    clock.set(T0 + dt.timedelta(days=3, hours=5))  # the newer one's accept_due_at
    items = client.get(URL, headers=login(court_queue["people"]["clerk"])).get_json()["items"]
    assert [(item["case_title"], item["overdue"]) for item in items] == [("旧申请", False), ("新申请", True)]


def test_accepting_moves_the_item_to_the_decision_deadline(client, court_queue):
    rows, headers = court_queue["rows"], court_queue["headers"]["clerk"]
    accepted = client.post(f"{COURT}/cases/{rows['newer'].case_id}/judicial-confirmation/accept", headers=headers)
    assert accepted.status_code == 200, accepted.get_json()
    item = client.get(URL, headers=headers).get_json()["items"][1]
    assert item["status"] == "accepted" and item["case_number"] == accepted.get_json()["case_number"]
    assert item["court_deadline"] == accepted.get_json()["decide_due_at"]


def test_people_who_are_not_court_staff_are_refused_and_other_courts_are_not_found(client, court_queue):
    citizen = make_user(real_name="张三")
    refused = client.get(URL, headers=login(citizen))
    assert (refused.status_code, refused.get_json()["reason"]) == (403, "court.not_staff")
    other = client.get(
        URL, query_string={"court_id": str(court_queue["other"].id)}, headers=court_queue["headers"]["clerk"]
    )
    assert (other.status_code, other.get_json()["reason"]) == (404, "court.not_found")
    own = client.get(
        URL, query_string={"court_id": str(court_queue["court"].id)}, headers=court_queue["headers"]["clerk"]
    )
    assert len(own.get_json()["items"]) == 2
