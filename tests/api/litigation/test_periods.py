"""Appeal and enforcement periods around holidays and year ends, from the deadline engine and its holiday calendar.

The built-in calendar ends on 2026-12-31 (chinesecalendar); 2027 is entered by an administrator as the State
Council announces it (POST /api/admin/v1/calendar/2027), so a period reaching into January 2027 is either computed
with that year or, before it is entered, known only by its lower bound (holidays only extend a period).
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import Conflict
from app.extensions import db
from app.legal import CalendarNotCovered
from app.litigation import appeals, court_actions, enforcement, rules
from app.utils.clock import SHANGHAI
from tests.api.litigation.support import accepted_case, status_of
from tests.api.litigation.test_transitions import serve
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_court, make_org, make_user
from tests.support.review import principal

# The State Council's 2027 元旦: Friday 1 January to Sunday 3 January.
YEAR_2027 = {"year": 2027, "holidays": [{"day": f"2027-01-0{n}", "name": "元旦"} for n in (1, 2, 3)], "workdays": []}


def _at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)


def _enter_2027(client) -> None:
    admin = make_user()
    grant(admin, role="platform_admin")
    assert client.post("/api/admin/v1/calendar/2027", json=YEAR_2027, headers=login(admin)).status_code == 201


def _judgment_served(clock, at: dt.datetime, *, closing_method: str = "judgment", abroad: bool = False):
    clock.set(at)
    world = accepted_case()
    judge = world.principal("judge")
    if abroad:
        court_actions.set_domicile(
            case_id=world.case.id, party_id=world.defendant.id, domicile_abroad=True, actor=judge
        )
    court_actions.record_decision(case_id=world.case.id, actor=judge, closing_method=closing_method)
    doc_type = rules.SERVED_BY[closing_method]
    return world, [serve(world, party, doc_type) for party in (world.plaintiff, world.defendant)]


def _appeal(world):
    return appeals.file(case_id=world.case.id, actor=world.principal("defendant"), statement="撤销原判", grounds="理由")


def test_a_judgment_served_on_christmas_2026_runs_into_2027_when_that_year_is_entered(client, clock):
    world, served = _judgment_served(clock, _at(2026, 12, 25, 10, 0))
    assert served[1]["deadline"]["calendar_covered"] is False and served[1]["deadline"]["raw_end_date"] == "2027-01-09"
    clock.set(_at(2027, 1, 8, 20, 0))  # before the raw end: in time whatever 2027's holidays are
    assert _appeal(world)["deadline_ends_at"] == _at(2027, 1, 10).astimezone(dt.UTC)


def test_an_appeal_after_the_raw_end_waits_for_the_2027_calendar_then_rolls_past_the_weekend(client, clock):
    world, _served = _judgment_served(clock, _at(2026, 12, 25, 10, 0))
    clock.set(_at(2027, 1, 11, 9, 0))  # Monday: the raw end (Saturday 9 January) has passed
    with pytest.raises(CalendarNotCovered):
        _appeal(world)
    db.session.rollback()
    _enter_2027(client)
    filed = _appeal(world)  # Saturday 9 and Sunday 10 January roll the last day to Monday 11 January
    assert filed["deadline_ends_at"] == _at(2027, 1, 12).astimezone(dt.UTC) and status_of(world.case.id) == "appealed"


def test_a_late_appeal_is_refused_with_the_engines_explanation(client, clock):
    _enter_2027(client)
    world, _served = _judgment_served(clock, _at(2026, 12, 25, 10, 0))
    clock.set(_at(2027, 1, 12, 0, 1))
    with pytest.raises(Conflict) as late, client.application.test_request_context(headers={"Accept-Language": "en"}):
        _appeal(world)  # the explanation is written in the reader's language: English asked for here
    assert late.value.reason == "litigation.appeal_out_of_time"
    assert late.value.errors["deadline"] == [
        "Trigger: service of the judgment (delivered to the electronic service address the recipient confirmed) at "
        "2026-12-25 10:00 Asia/Shanghai (trigger date 2026-12-25).",
        "Period: appeal period (judgment), 15 days, counted from 2026-12-26, the day after the trigger.",
        "Raw end date: 2027-01-09 (trigger date + 15 days).",
        "Rolled forward past 2027-01-09 rest day (Saturday) [calendar override].",
        "Rolled forward past 2027-01-10 rest day (Sunday) [calendar override].",
        "Final day: 2027-01-11 working day (Monday) [calendar override]; the deadline ends at 24:00 "
        "Asia/Shanghai on 2027-01-11 (2027-01-12T00:00:00+08:00).",
    ]


def test_a_dismissal_ruling_served_before_national_day_gives_ten_days_to_the_worked_saturday(client, clock):
    world, served = _judgment_served(clock, _at(2026, 9, 30, 16, 0), closing_method="dismissal")
    deadline = served[1]["deadline"]
    assert deadline["period"]["label"] == "上诉期（裁定）" and deadline["last_day"] == "2026-10-10"
    clock.set(_at(2026, 10, 10, 23, 59))
    assert _appeal(world)["status"] == "filed"


def test_a_party_without_a_domicile_in_china_has_thirty_days(client, clock):
    world, served = _judgment_served(clock, _at(2026, 11, 20, 9, 0), abroad=True)
    plaintiff, defendant = (item["deadline"] for item in served)
    assert (plaintiff["period"]["days"], plaintiff["last_day"]) == (15, "2026-12-07")  # Saturday 5th -> Monday 7th
    assert defendant["period"] == {
        "label": "上诉期（判决）（在中华人民共和国领域内没有住所的当事人）",
        "key": "appeal.judgment.abroad",
        "days": 30,
        "counting_starts": "2026-11-21",
    }
    assert defendant["last_day"] == "2026-12-21"  # Saturday 20 December rolls to Monday 21
    clock.set(_at(2026, 12, 18, 9, 0))  # the plaintiff's period is over, the defendant's is not
    assert _appeal(world)["deadline_ends_at"] == _at(2026, 12, 22).astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("effective", "days", "raw_end", "last_day"),
    [
        (_at(2024, 2, 19, 0, 0), 10, "2026-02-28", "2026-02-28"),  # 29 Feb 2024 -> 28 Feb 2026, a worked Saturday
        (_at(2024, 9, 21, 0, 0), 10, "2026-10-01", "2026-10-08"),  # National Day and its 调休 rest days
        (_at(2024, 10, 1, 0, 0), None, "2026-10-01", "2026-10-08"),  # no performance period: from legal effect
    ],
)
def test_the_enforcement_limitation_is_two_years_from_the_last_day_of_performance(effective, days, raw_end, last_day):
    deadline = rules.enforcement_limitation(
        effective_at=effective, performance_days=days, source="judgment", overrides={}
    )
    assert (deadline.raw_end_date.isoformat(), deadline.last_day.isoformat()) == (raw_end, last_day)
    assert deadline.period_months == 24 and "Civil Code Art. 202" in deadline.explanation("en")[2]


def test_enforcement_from_a_confirmed_agreement_over_the_new_year_and_too_late(client, clock):
    court, org = make_court(), make_org()
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    filer = make_user(real_name="张三")
    clock.set(_at(2024, 12, 31, 15, 0))  # confirmed on the last day of 2024
    case = file_case(filer, kind="mediation", org=org)
    case.status, case.court_id, case.closed_at = "confirmed", court.id, clock()
    db.session.commit()
    actor = principal(filer)
    body = {"request": "履行调解协议", "property_clues": [{"kind": "vehicle", "description": "浙B车辆"}]}
    clock.set(_at(2026, 12, 31, 23, 0))  # the raw end: 2026-12-31, a Thursday, a working day
    applied = enforcement.apply(case_id=case.id, actor=actor, **body)
    assert applied["limitation_ends_at"] == _at(2027, 1, 1).astimezone(dt.UTC)
    enforcement.reject(application_id=applied["id"], actor=principal(clerk), reason="材料不全")
    clock.set(_at(2027, 1, 1, 0, 30))
    with pytest.raises(Conflict) as late:
        enforcement.apply(case_id=case.id, actor=actor, **body)
    assert late.value.reason == "enforcement.out_of_time"
    assert late.value.errors["deadline"][0].startswith("触发事件：司法确认裁定生效（未定履行期限）")  # Chinese first


def test_nothing_is_enforced_before_legal_effect(app, clock):
    world, _served = _judgment_served(clock, _at(2026, 11, 2, 9, 0))
    with pytest.raises(Conflict) as early:
        enforcement.apply(case_id=world.case.id, actor=world.principal("plaintiff"), request="执行", property_clues=[])
    assert early.value.reason == "enforcement.not_enforceable" and early.value.errors == {"status": ["adjudicated"]}
