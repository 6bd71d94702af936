"""Statistics from the data: success rate, per-working-minute rate, off-hours share, scoped views."""

import datetime as dt

from app.cases import lifecycle as case_lifecycle
from app.extensions import db
from app.utils.clock import SHANGHAI
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court, make_org, make_user


def at_shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def conclude(case, outcome: str) -> None:
    for target in ("assigned", "mediator_accepted", "in_mediation", outcome):
        case_lifecycle.transition(case, target, actor=None, actor_role="system")
    db.session.commit()


def test_figures_follow_the_data(client, clock):
    org, court = make_org(), make_court()
    clock.set(at_shanghai(2026, 11, 2, 10, 0))  # Monday, working hours
    working = [file_case(org=org, court=court) for _ in range(3)]
    clock.set(at_shanghai(2026, 11, 2, 22, 30))  # Monday night: off hours
    night = file_case(org=org)
    clock.set(at_shanghai(2026, 11, 7, 11, 0))  # Saturday: off hours
    weekend = file_case(org=org)
    clock.set(at_shanghai(2026, 11, 3, 15, 0))  # Tuesday: conclusions on a working day
    conclude(working[0], "settled")
    conclude(working[1], "settled")
    conclude(working[2], "failed")
    clock.set(at_shanghai(2026, 11, 8, 15, 0))  # Sunday conclusion: not a working day
    conclude(night, "settled")
    stats = client.get("/api/public/v1/stats", query_string={"from": "2026-11-02", "to": "2026-11-08"}).get_json()
    assert stats["disputes_total"] == 5 and stats["cases_per_day"] == round(5 / 7, 2)
    assert stats["mediations_concluded"] == 4 and stats["mediation_success_rate"] == 0.75
    assert stats["off_hours_share"] == 0.4  # the night and the Saturday filings of five
    # 5 working days x 540 minutes (08:30-17:30); 3 conclusions fell on working days
    assert stats["mediated_per_minute_weekdays"] == round(3 / (5 * 540), 4)
    assert stats["courts_connected"] == 1 and stats["organisations"] == 1
    assert weekend.filed_off_hours is True and working[0].filed_off_hours is False


def test_a_court_sees_its_own_figures_only(client, clock):
    court, other = make_court(), make_court()
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    file_case(org=make_org(), court=court)
    own = client.get("/api/court/v1/stats", query_string={"court_id": str(court.id)}, headers=login(clerk))
    assert own.status_code == 200 and own.get_json()["disputes_total"] == 1
    assert (
        client.get("/api/court/v1/stats", query_string={"court_id": str(other.id)}, headers=login(clerk)).status_code
        == 404
    )


def test_bad_periods_are_422(client):
    backwards = client.get("/api/public/v1/stats", query_string={"from": "2026-11-08", "to": "2026-11-01"})
    assert backwards.status_code == 422 and "from" in backwards.get_json()["errors"]
    assert client.get("/api/public/v1/stats", query_string={"from": "yesterday"}).status_code == 422


def test_beyond_the_calendar_the_rate_is_flagged_not_guessed(client):
    stats = client.get("/api/public/v1/stats", query_string={"from": "2027-06-01", "to": "2027-06-07"}).get_json()
    assert stats["mediated_per_minute_weekdays"] is None and stats["notes"]
