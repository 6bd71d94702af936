"""A December agreement is confirmed (issue 14): the window crossing into a year the calendar may not cover yet,
and the court chosen among the organisation's linked courts. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

import datetime as dt

import pytest

from app.cases.models import Case
from app.extensions import db
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_outcome import ADMIN, COURT, MP, agreement, dispute, link, status_of
from tests.support.factories import grant, login, make_court, make_org, make_user

# The State Council's 2027 元旦: Friday 1 January to Sunday 3 January (the weekend is a weekend anyway).
LATE, UNCOVERED = "judicial_confirmation.out_of_time", "legal.calendar_not_covered"
YEAR_2027 = {"year": 2027, "holidays": [{"day": f"2027-01-0{n}", "name": "元旦"} for n in (1, 2, 3)], "workdays": []}


def _at(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)


@pytest.fixture
def world(app, clock):
    """An organisation of 宁波市北仑区 linked to its local court and to a court elsewhere; the case names no court."""
    org = make_org()
    local, other = (
        make_court(code="浙0206"),
        make_court(code="浙0102", name="杭州市上城区人民法院", region="浙江省杭州市"),
    )
    link(org, local)
    link(org, other)
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=org, filer=filer, respondent=respondent)
    clerks = {}
    for name, court in (("local", local), ("other", other)):
        clerks[name] = make_user()
        grant(clerks[name], role="clerk", court=court)
    return {"case": case, "filer": filer, "respondent": respondent, "local": local, "other": other, "clerks": clerks}


def _settle(world, clock, effective_at):
    clock.set(effective_at)
    agreement(world["case"])
    db.session.get(Case, world["case"].id).status = "settled"
    db.session.commit()


def _enter_2027(client):
    admin = make_user()
    grant(admin, role="platform_admin")
    assert client.post(f"{ADMIN}/calendar/2027", json=YEAR_2027, headers=login(admin)).status_code == 201


def _apply(client, world, **body):
    url = f"{MP}/cases/{world['case'].id}/judicial-confirmation"
    return client.post(url, json=body, headers=login(world["filer"]))


@pytest.mark.parametrize(
    ("effective", "applied", "entered", "status", "ends", "covered"),
    [
        # 12-01 + 30 = 12-31, a Thursday the built-in calendar knows: an ordinary window
        (_at(2026, 12, 1, 10), _at(2026, 12, 31, 23, 59), False, 201, "2026-12-31", True),
        (_at(2026, 12, 1, 10), _at(2027, 1, 1, 0, 0), False, LATE, None, None),
        # 12-02 + 30 = 2027-01-01: on or before that day it is in time whatever 2027 holds
        (_at(2026, 12, 2, 10), _at(2026, 12, 2, 18), False, 201, "2027-01-01", False),
        (_at(2026, 12, 2, 10), _at(2027, 1, 1, 23, 59), False, 201, "2027-01-01", False),
        (_at(2026, 12, 2, 10), _at(2027, 1, 2, 9), False, UNCOVERED, None, None),  # only the calendar can say
        (_at(2026, 12, 2, 10), _at(2027, 1, 4, 23, 59), True, 201, "2027-01-04", True),  # 元旦 rolls it on
        (_at(2026, 12, 2, 10), _at(2027, 1, 5, 0, 0), True, LATE, None, None),
        (_at(2026, 12, 15, 9), _at(2026, 12, 20, 9), False, 201, "2027-01-14", False),
        # 12-31 + 30 = Saturday 2027-01-30: the bound is the Saturday, the entered calendar rolls to Monday
        (_at(2026, 12, 31, 16), _at(2027, 1, 30, 12), False, 201, "2027-01-30", False),
        (_at(2026, 12, 31, 16), _at(2027, 2, 1, 12), False, UNCOVERED, None, None),
        (_at(2026, 12, 31, 16), _at(2027, 2, 1, 12), True, 201, "2027-02-01", True),
    ],
)
def test_december_agreements_around_the_year_end(
    client, clock, world, effective, applied, entered, status, ends, covered
):
    _settle(world, clock, effective)
    if entered:
        _enter_2027(client)
    clock.set(applied)
    response = _apply(client, world)
    body = response.get_json()
    if status != 201:  # a refusal, named by its reason
        assert (response.status_code, body["reason"]) == (409, status)
        assert status_of(world["case"].id) == "settled"
        return
    assert response.status_code == 201, body
    end = dt.datetime.fromisoformat(body["window_ends_at"]).astimezone(SHANGHAI)
    assert (end - dt.timedelta(days=1)).date().isoformat() == ends and end.time() == dt.time(0)
    assert body["window_calendar_covered"] is covered
    assert body["court_id"] == str(world["local"].id)  # the venue rule: the organisation's own region


def test_the_not_covered_answer_stays_honest_after_the_bound_and_the_late_answer_after_entry(client, clock, world):
    _settle(world, clock, _at(2026, 12, 2, 10))
    clock.set(_at(2027, 1, 2, 9))
    assert _apply(client, world).get_json()["reason"] == "legal.calendar_not_covered"
    _enter_2027(client)
    assert _apply(client, world).status_code == 201  # 2027-01-02 is inside the rolled window (ends 01-04)


def test_a_december_agreement_is_confirmed_by_the_court_the_parties_chose(client, clock, world):
    _settle(world, clock, _at(2026, 12, 20, 15))
    clock.set(_at(2026, 12, 28, 10))
    case_id = world["case"].id
    courts = client.get(f"{MP}/cases/{case_id}/judicial-confirmation/courts", headers=login(world["respondent"]))
    assert courts.status_code == 200
    assert {(c["code"], c["venue"], c["named"]) for c in courts.get_json()} == {
        ("浙0206", True, False),
        ("浙0102", False, False),
    }
    stranger = make_court(code="浙0999")
    refused = _apply(client, world, court_id=str(stranger.id))
    assert (refused.status_code, refused.get_json()["reason"]) == (422, "judicial_confirmation.court_not_allowed")
    applied = _apply(client, world, court_id=str(world["other"].id))
    assert applied.status_code == 201 and applied.get_json()["court_id"] == str(world["other"].id)
    clock.set(_at(2026, 12, 30, 11))  # + 3 days is 2027: the court's limit is its earliest end, not a refusal
    consented = client.post(f"{MP}/cases/{case_id}/judicial-confirmation/consent", headers=login(world["respondent"]))
    assert consented.status_code == 200 and consented.get_json()["status"] == "submitted"
    assert consented.get_json()["accept_due_at"] == "2027-01-02T16:00:00+00:00"
    url = f"{COURT}/cases/{case_id}/judicial-confirmation"
    assert client.post(f"{url}/accept", headers=login(world["clerks"]["local"])).status_code in (403, 404)
    clock.set(_at(2026, 12, 31, 9))
    accepted = client.post(f"{url}/accept", headers=login(world["clerks"]["other"]))
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["case_number"] == "(2026)浙0102调确1号"
    clock.set(_at(2027, 1, 6, 9))
    decided = client.post(
        f"{url}/decide", json={"confirmed": True, "reason": "协议合法有效"}, headers=login(world["clerks"]["other"])
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "confirmed"
    assert status_of(case_id) == "confirmed"


def test_without_a_venue_the_parties_must_choose(client, clock, world):
    world["local"].region = "浙江省温州市"  # neither linked court is in the organisation's region
    db.session.commit()
    _settle(world, clock, _at(2026, 12, 10, 10))
    response = _apply(client, world)
    body = response.get_json()
    assert (response.status_code, body["reason"]) == (409, "judicial_confirmation.no_court")
    assert set(body["errors"]["court_id"]) == {str(world["local"].id), str(world["other"].id)}
