"""Court review: every transition of the litigation lifecycle (service level), and the court's HTTP routes."""

import datetime as dt

import pytest

from app.cases import corrections as case_corrections
from app.cases import review as court_review
from app.cases import withdrawal as case_actions
from app.cases.lifecycle import TRANSITIONS
from app.cases.models import CaseNumberSequence, CorrectionRequest, TimelineEvent
from app.errors import Conflict
from app.extensions import db
from tests.support.factories import login, machine_headers, make_court, make_user
from tests.support.review import (
    COURT,
    corrections,
    count,
    events,
    litigation,
    machine,
    numbers_used,
    principal,
    staff,
    status_of,
)

# The published lifecycle (domain.md "Case lifecycles"), written out so that a change to the table shows here.
LEGAL = {
    ("submitted", "accepted"),
    ("submitted", "rejected"),
    ("submitted", "correction_requested"),
    ("submitted", "withdrawn"),
    ("correction_requested", "submitted"),
    ("correction_requested", "withdrawn"),
}
# Review, up to acceptance; what follows acceptance (trial, decision, appeal) is proved with its own routes.
STATES = ("submitted", "correction_requested", "accepted", "rejected", "withdrawn")


def test_the_state_table_is_the_published_lifecycle():
    before = ("submitted", "correction_requested")
    table = {(state, target) for state in before for target in TRANSITIONS["litigation"][state]}
    assert table == LEGAL


# The service call that moves a case to each state, and who makes it.
ACTIONS = {
    "accepted": lambda case, w: court_review.accept(case_id=case.id, actor=w["clerk"]),
    "rejected": lambda case, w: court_review.reject(case_id=case.id, actor=w["clerk"], reason="不属于本院管辖"),
    "correction_requested": lambda case, w: case_corrections.request_correction(
        case_id=case.id, actor=w["clerk"], items=["请补充借条复印件"], due_days=7
    ),
    "submitted": lambda case, w: case_corrections.answer_correction(
        case_id=case.id, actor=w["filer"], note="已补充借条", changes={"title": "张三诉李四民间借贷纠纷（补正）"}
    ),
    "withdrawn": lambda case, w: case_actions.withdraw(case_id=case.id, actor=w["filer"], reason="已和解"),
}
ROUTE_TO = {"submitted": [], "correction_requested": ["correction_requested"]}
ROUTE_TO.update({state: [state] for state in ("accepted", "rejected", "withdrawn")})


@pytest.fixture
def review_world(app, clock):
    court = make_court("浙0212")
    filer = make_user(real_name="张三")
    case = litigation(court, filer)
    return {"court": court, "case": case, "clerk": principal(staff(court)), "filer": principal(filer)}


@pytest.mark.parametrize("target", STATES)
@pytest.mark.parametrize("current", STATES)
def test_every_pair_of_states(review_world, current, target):
    case, world = review_world["case"], review_world
    for step in ROUTE_TO[current]:
        ACTIONS[step](case, world)
    assert status_of(case.id) == current
    before = [event.id for event in events(case.id)]
    numbers, requests = numbers_used(), count(CorrectionRequest)
    if (current, target) in LEGAL:
        result = ACTIONS[target](case, world)
        assert result["status"] == target and status_of(case.id) == target
        # the transition's own event (acceptance also issues the fee notice, app/fees, with its own event)
        new = [event for event in events(case.id) if event.id not in before and not event.type.startswith("fee.")]
        assert len(new) == 1, [event.type for event in new]
        assert (new[0].from_status, new[0].to_status) == (current, target)
    else:
        with pytest.raises(Conflict) as caught:
            ACTIONS[target](case, world)
        assert caught.value.errors == {"status": [current]} and f"'{current}'" in caught.value.message
        assert caught.value.reason == "case.illegal_transition"
        assert [event.id for event in events(case.id)] == before  # queried: pending writes would be flushed first
        assert (numbers_used(), count(CorrectionRequest)) == (numbers, requests)
        db.session.rollback()
        assert status_of(case.id) == current


def review_events(case_id):
    """The case's timeline without the fee notice that acceptance also issues (app/fees records its own event)."""
    return [event for event in events(case_id) if not event.type.startswith("fee.")]


# ---- the queue ------------------------------------------------------------------------------------------------


def test_the_queue_lists_my_courts_filings_oldest_first_and_flags_overdue_ones(client, clock):
    court, other_court = make_court(), make_court()
    filed = []
    for _ in range(5):
        filed.append(str(litigation(court).id))
        clock.advance(days=1)
    litigation(other_court)
    clerk_user = staff(court)
    clerk = login(clerk_user)
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{COURT}/filings", query_string=query, headers=clerk).get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [item["id"] for item in seen] == filed
    # The clock now stands 5 days after the first filing: nothing is overdue with a 7-day limit...
    assert [item["overdue"] for item in seen] == [False] * 5
    first = seen[0]
    assert dt.datetime.fromisoformat(first["review_due_at"]) - dt.datetime.fromisoformat(first["submitted_at"]) == (
        dt.timedelta(days=7)
    )
    clock.advance(days=2, seconds=1)  # ...then the first filing passes its review time limit by a second
    items = client.get(f"{COURT}/filings", headers=login(clerk_user)).get_json()["items"]  # tokens live minutes
    assert [item["overdue"] for item in items] == [True, False, False, False, False]
    clock.advance(days=1)
    items = client.get(f"{COURT}/filings", headers=login(clerk_user)).get_json()["items"]
    assert [item["overdue"] for item in items] == [True, True, False, False, False]


def test_the_queue_filters_by_status_and_court(client, clock):
    court, second = make_court(), make_court()
    clerk_user = staff(court)
    staff(second, role="judge")
    from tests.support.factories import grant

    grant(clerk_user, role="judge", court=second)
    waiting, asked = litigation(court), litigation(court)
    elsewhere = litigation(second)
    case_corrections.request_correction(case_id=asked.id, actor=principal(clerk_user), items=["补充证据"], due_days=3)
    headers = login(clerk_user)
    submitted = client.get(f"{COURT}/filings", headers=headers).get_json()["items"]
    assert [item["id"] for item in submitted] == [str(waiting.id), str(elsewhere.id)]
    only_first = client.get(f"{COURT}/filings", query_string={"court_id": str(court.id)}, headers=headers).get_json()
    assert [item["id"] for item in only_first["items"]] == [str(waiting.id)]
    correcting = client.get(f"{COURT}/filings", query_string={"status": "correction_requested"}, headers=headers)
    [item] = correcting.get_json()["items"]
    assert item["id"] == str(asked.id) and item["review_due_at"] is None and item["correction_overdue"] is False
    assert item["correction_due_at"] == "2026-11-05T16:00:00+00:00"  # 24:00 on 5 Nov (Shanghai), 3 days after
    clock.advance(days=4)
    again = client.get(f"{COURT}/filings", query_string={"status": "correction_requested"}, headers=login(clerk_user))
    assert again.get_json()["items"][0]["correction_overdue"] is True


def test_a_court_system_sees_its_own_courts_queue(client, clock):
    court, other_court = make_court(), make_court()
    mine = litigation(court)
    litigation(other_court)
    page = client.get(f"{COURT}/filings", headers=machine_headers(court)).get_json()
    assert [item["id"] for item in page["items"]] == [str(mine.id)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "settled"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor!"}, "cursor"),
        ({"court_id": "12"}, "court_id"),
    ],
)
def test_queue_arguments_are_checked_per_field(client, query, field):
    court = make_court()
    response = client.get(f"{COURT}/filings", query_string=query, headers=login(staff(court)))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_the_queue_is_for_court_staff_only(client):
    court, other_court = make_court(), make_court()
    citizen = client.get(f"{COURT}/filings", headers=login(make_user(real_name="张三")))
    assert citizen.status_code == 403 and citizen.get_json()["reason"] == "court.not_staff"
    foreign = client.get(
        f"{COURT}/filings", query_string={"court_id": str(other_court.id)}, headers=login(staff(court))
    )
    assert foreign.status_code == 404 and foreign.get_json()["reason"] == "court.not_found"


def test_mediation_cases_are_not_in_the_queue(client, clock):
    from tests.support.factories import make_org

    court = make_court()
    from tests.support.cases import file_case

    file_case(kind="mediation", court=court, org=make_org())
    assert client.get(f"{COURT}/filings", headers=login(staff(court))).get_json()["items"] == []


# ---- accept ---------------------------------------------------------------------------------------------------


def test_accept_assigns_the_next_number_and_records_it(client, clock):
    court = make_court("浙0212")
    first, second = litigation(court), litigation(court)
    judge = login(staff(court, role="judge"))
    response = client.post(f"{COURT}/cases/{first.id}/accept", json={}, headers=judge)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "accepted" and body["case_number"] == "(2026)浙0212民初1号"
    assert body["accepted_at"] == "2026-11-02T02:00:00+00:00"
    event = review_events(first.id)[-1]
    assert (event.type, event.actor_role, event.from_status, event.to_status) == (
        "case.accepted",
        "judge",
        "submitted",
        "accepted",
    )
    facts = {key: value for key, value in event.data.items() if key != "summary_message"}  # the words' message
    assert facts == {"case_number": "(2026)浙0212民初1号", "numbered_by": "platform"}
    assert "(2026)浙0212民初1号" in event.summary
    machine_call = client.post(f"{COURT}/cases/{second.id}/accept", json={}, headers=machine_headers(court))
    assert machine_call.get_json()["case_number"] == "(2026)浙0212民初2号"
    assert (
        review_events(second.id)[-1].actor_role == "court_system" and review_events(second.id)[-1].actor_user_id is None
    )
    timeline = client.get(f"/api/mp/v1/cases/{first.id}/timeline", headers=judge).get_json()
    assert "(2026)浙0212民初1号" in [item for item in timeline if item["type"] == "case.accepted"][-1]["summary"]


def test_accepting_twice_is_a_conflict_and_uses_no_number(client, clock):
    court = make_court()
    case = litigation(court)
    clerk = login(staff(court))
    assert client.post(f"{COURT}/cases/{case.id}/accept", json={}, headers=clerk).status_code == 200
    again = client.post(f"{COURT}/cases/{case.id}/accept", json={}, headers=clerk)
    assert again.status_code == 409 and again.get_json()["errors"] == {"status": ["accepted"]}
    assert numbers_used() == 1 and len(review_events(case.id)) == 2


def test_a_retried_accept_with_the_same_key_replays_the_first_answer(client, clock):
    court = make_court()
    case = litigation(court)
    headers = {**machine_headers(court), "Idempotency-Key": "court-system-accept-1"}
    first = client.post(f"{COURT}/cases/{case.id}/accept", json={}, headers=headers)
    second = client.post(f"{COURT}/cases/{case.id}/accept", json={}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.get_json()["case_number"] == first.get_json()["case_number"]
    assert numbers_used() == 1


def test_an_explicit_number_from_the_court_system_is_used_and_kept_out_of_the_sequence(client, clock):
    court = make_court("浙0212")
    theirs, ours = litigation(court), litigation(court)
    headers = machine_headers(court)
    explicit = client.post(
        f"{COURT}/cases/{theirs.id}/accept", json={"case_number": "（2026）浙0212民初1234号"}, headers=headers
    )
    assert explicit.status_code == 200, explicit.get_json()
    assert explicit.get_json()["case_number"] == "(2026)浙0212民初1234号"  # stored in the canonical form
    assert review_events(theirs.id)[-1].data["numbered_by"] == "court_system"
    generated = client.post(f"{COURT}/cases/{ours.id}/accept", json={}, headers=headers)
    assert generated.get_json()["case_number"] == "(2026)浙0212民初1235号"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"case_number": "2026-1234"}, "case_number"),
        ({"case_number": "(2026)浙0999民初1号"}, "case_number"),  # another court's code
        ({"case_number": "(2026)浙0212民终1号"}, "case_number"),  # not a first-instance civil number
        ({"case_number": "(2027)浙0212民初1号"}, "case_number"),  # a year still to come
        ({"case_number": "(2025)浙0212民初1号"}, "case_number"),  # before the case was filed
        ({"case_number": "(2026)浙0212民初7号"}, "case_number"),  # already used
        ({"case_number": ""}, "case_number"),
        ({"case_number": 1234}, "case_number"),
        ({"status": "accepted"}, "status"),
        ({"accepted_at": "2026-01-01T00:00:00+08:00"}, "accepted_at"),
    ],
)
def test_accept_refuses_bad_input_per_field_and_writes_nothing(client, clock, body, field):
    court = make_court("浙0212")
    holder, case = litigation(court), litigation(court)
    headers = machine_headers(court)
    client.post(f"{COURT}/cases/{holder.id}/accept", json={"case_number": "(2026)浙0212民初7号"}, headers=headers)
    before = (len(events(case.id)), db.session.get(CaseNumberSequence, (court.id, 2026, "民初")).last_value)
    response = client.post(f"{COURT}/cases/{case.id}/accept", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    db.session.expire_all()
    after = (len(events(case.id)), db.session.get(CaseNumberSequence, (court.id, 2026, "民初")).last_value)
    assert after == before and status_of(case.id) == "submitted"


# ---- reject and request correction ------------------------------------------------------------------------------


def test_reject_records_the_reasons_and_closes_the_filing(client, clock):
    court = make_court()
    case = litigation(court)
    response = client.post(
        f"{COURT}/cases/{case.id}/reject",
        json={"reason": "不属于本院管辖，请向被告住所地法院起诉。"},
        headers=login(staff(court)),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "rejected" and body["closed_at"] == "2026-11-02T02:00:00+00:00"
    event = events(case.id)[-1]
    assert (event.type, event.actor_role, event.reason) == (
        "case.rejected",
        "clerk",
        "不属于本院管辖，请向被告住所地法院起诉。",
    )
    assert numbers_used() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": "x"}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "理由", "x": 1}, "x")],
)
def test_reject_needs_reasons(client, clock, body, field):
    court = make_court()
    case = litigation(court)
    response = client.post(f"{COURT}/cases/{case.id}/reject", json=body, headers=login(staff(court)))
    assert response.status_code == 422 and field in response.get_json()["errors"]
    assert status_of(case.id) == "submitted" and len(events(case.id)) == 1


def test_request_correction_sets_a_due_time_and_stops_the_review_clock(client, clock):
    court = make_court()
    case = litigation(court)
    body = {"items": ["请补充借条复印件", "请写明被告住址"], "due_days": 5, "note": "逾期不补正的，不予受理"}
    response = client.post(f"{COURT}/cases/{case.id}/request-correction", json=body, headers=login(staff(court)))
    assert response.status_code == 200, response.get_json()
    detail = response.get_json()
    assert detail["status"] == "correction_requested" and detail["review_due_at"] is None
    # Requested Monday 2 Nov 2026 10:00 Shanghai; day 5 is Saturday 7 Nov, rolled forward to Monday 9 Nov, 24:00.
    assert detail["open_correction"]["due_at"] == "2026-11-09T16:00:00+00:00"
    assert detail["open_correction"]["items"] == body["items"]
    [request] = corrections(case.id)
    assert request.note == body["note"] and request.answered_at is None
    event = events(case.id)[-1]
    assert event.type == "case.correction_requested" and event.data["items"] == body["items"]
    assert any("期满日顺延" in line for line in event.data["explanation"])  # written in Chinese by default


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_days": 7}, "items"),
        ({"items": [], "due_days": 7}, "items"),
        ({"items": ["   "], "due_days": 7}, "items.0"),
        ({"items": ["补充证据"]}, "due_days"),
        ({"items": ["补充证据"], "due_days": 0}, "due_days"),
        ({"items": ["补充证据"], "due_days": 31}, "due_days"),
        ({"items": ["补充证据"], "due_days": "7"}, "due_days"),
        ({"items": ["补充证据"], "due_days": 7.5}, "due_days"),
        ({"items": ["补充证据"], "due_days": 7, "due_at": "2026-12-01T00:00:00+08:00"}, "due_at"),
    ],
)
def test_request_correction_checks_each_field(client, clock, body, field):
    court = make_court()
    case = litigation(court)
    response = client.post(f"{COURT}/cases/{case.id}/request-correction", json=body, headers=login(staff(court)))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(key == field or key.startswith(field + ".") for key in errors), errors
    assert status_of(case.id) == "submitted" and corrections(case.id) == [] and len(events(case.id)) == 1


# ---- who may review ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("accept", {}),
        ("reject", {"reason": "材料不全"}),
        ("request-correction", {"items": ["补充证据"], "due_days": 7}),
    ],
)
def test_only_staff_of_that_court_review(client, clock, action, body):
    court, other_court = make_court(), make_court()
    filer = make_user(real_name="张三")
    case = litigation(court, filer)
    url = f"{COURT}/cases/{case.id}/{action}"
    # Not court staff at all (the filing party too): refused at the route, before the body is read.
    for person in (login(filer), login(make_user())):
        refused = client.post(url, json=body, headers=person)
        assert refused.status_code == 403 and refused.get_json()["reason"] == "court.not_staff"
    for outsider in (login(staff(other_court)), machine_headers(other_court)):
        response = client.post(url, json=body, headers=outsider)
        assert response.status_code == 404 and response.get_json()["reason"] == "case.not_found"
    assert status_of(case.id) == "submitted" and len(events(case.id)) == 1 and numbers_used() == 0
    assert count(TimelineEvent) == 1


def test_a_court_system_can_ask_for_a_correction_with_no_person_named(review_world):
    case = review_world["case"]
    detail = case_corrections.request_correction(
        case_id=case.id, actor=machine(review_world["court"]), items=["补充证据目录"], due_days=10
    )
    assert detail["status"] == "correction_requested"
    [request] = corrections(case.id)
    event = events(case.id)[-1]
    assert request.requested_by is None and (event.actor_role, event.actor_user_id) == ("court_system", None)
