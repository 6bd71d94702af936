"""Case numbers stay unique and gap-free when accepts race, and a failed accept gives its number back."""

import threading

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseNumberSequence
from app.cases.numbers import parse_case_number
from app.extensions import db
from tests.conftest import is_postgres
from tests.support.factories import login, machine_headers, make_court
from tests.support.review import COURT, events, litigation, numbers_used, staff, status_of

SQLITE_REASON = (
    "SQLite lets one writer in at a time for the whole file, so racing accepts never meet on the sequence row; "
    "the row-lock queueing this proves needs PostgreSQL (set TEST_DATABASE_URL)"
)


@pytest.fixture
def postgres(database_url):
    if not is_postgres(database_url):
        pytest.skip(SQLITE_REASON)


def race(app, calls: list[tuple[str, dict]]) -> list:
    """POST every (url, headers) at once from its own thread; return the responses in call order."""
    db.session.remove()  # the test's own connection goes back to the pool before the race
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def post(index: int, url: str, headers: dict) -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        results[index] = client.post(url, json={}, headers=headers)

    threads = [threading.Thread(target=post, args=(i, url, headers)) for i, (url, headers) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_twenty_simultaneous_accepts_take_numbers_one_to_twenty(app, clock, postgres):
    court = make_court("浙0212")
    cases = [litigation(court) for _ in range(20)]
    people = [login(staff(court)), login(staff(court, role="judge")), machine_headers(court)]
    court_id, case_ids = court.id, [case.id for case in cases]
    calls = [(f"{COURT}/cases/{case_id}/accept", people[i % 3]) for i, case_id in enumerate(case_ids)]
    responses = race(app, calls)
    assert [r.status_code for r in responses] == [200] * 20, [r.get_json() for r in responses if r.status_code != 200]
    numbers = [r.get_json()["case_number"] for r in responses]
    parsed = [parse_case_number(number) for number in numbers]
    assert sorted(p.sequence for p in parsed) == list(range(1, 21))
    assert {(p.year, p.court_code, p.type_code) for p in parsed} == {(2026, "浙0212", "民初")}
    stored = db.session.scalars(select(Case.case_number).where(Case.court_id == court_id)).all()
    assert sorted(stored) == sorted(numbers)
    assert db.session.get(CaseNumberSequence, (court_id, 2026, "民初")).last_value == 20
    for case_id, number in zip(case_ids, numbers, strict=True):
        [accepted] = [e for e in events(case_id) if e.type == "case.accepted"]
        assert accepted.data["case_number"] == number


def test_racing_accepts_of_one_filing_accept_it_once(app, clock, postgres):
    court = make_court()
    case = litigation(court)
    case_id, clerks = case.id, [login(staff(court)) for _ in range(10)]
    responses = race(app, [(f"{COURT}/cases/{case_id}/accept", headers) for headers in clerks])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9
    assert all(r.get_json()["errors"] == {"status": ["accepted"]} for r in responses if r.status_code == 409)
    assert numbers_used() == 1 and [e.type for e in events(case_id)].count("case.accepted") == 1


def test_a_failed_accept_does_not_use_up_a_number(client, clock):
    """A case numbered outside the platform holds the next number: the accept fails whole and gives it back."""
    court = make_court("浙0212")
    squatter, case = litigation(court), litigation(court)
    squatter.case_number = "(2026)浙0212民初1号"  # imported from elsewhere, not through the sequence
    db.session.commit()
    headers = login(staff(court))
    failed = client.post(f"{COURT}/cases/{case.id}/accept", json={}, headers=headers)
    assert failed.status_code == 409 and failed.get_json()["reason"] == "case.number_taken"
    assert numbers_used() == 0  # the upsert that took number 1 was rolled back with the rest
    assert status_of(case.id) == "submitted" and [e.type for e in events(case.id)] == ["case.filed"]
    squatter.case_number = None
    db.session.commit()
    accepted = client.post(f"{COURT}/cases/{case.id}/accept", json={}, headers=headers)
    assert accepted.status_code == 200 and accepted.get_json()["case_number"] == "(2026)浙0212民初1号"
    assert numbers_used() == 1
