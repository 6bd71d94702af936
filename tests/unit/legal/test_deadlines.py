"""Deadlines: counting from the day after the trigger, rolling past holidays, explained step by step."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.legal.calendar import CalendarNotCovered, DayOverride, day_kind
from app.legal.deadlines import add_working_days, compute_deadline

D = dt.date
SH = dt.timezone(dt.timedelta(hours=8))
NONE: dict = {}


def shanghai(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SH)


def deadline(trigger_at: dt.datetime, days: int, overrides=NONE, **labels: str):
    labels.setdefault("trigger_label", "service of the complaint")
    labels.setdefault("period_label", "answer period")
    return compute_deadline(trigger_at=trigger_at, period_days=days, overrides=overrides, **labels)


def rolled(result) -> list[dt.date]:
    return [step.day.date for step in result.steps]


def test_fifteen_day_answer_period_over_national_day_2026_fully_explained():
    # 2026 National Day: 10-01..10-07 off (10-06 and 10-07 given in lieu), 09-20 and 10-10 worked.
    assert [day_kind(D(2026, 10, n)).is_working_day for n in range(1, 11)] == [False] * 7 + [True] * 3
    result = deadline(shanghai(2026, 9, 22, 10, 15), 15, trigger_label="起诉状副本送达", period_label="答辩期")
    assert (result.trigger_date, result.raw_end_date, result.last_day) == (
        D(2026, 9, 22),
        D(2026, 10, 7),
        D(2026, 10, 8),
    )
    assert result.ends_at == shanghai(2026, 10, 9, 0, 0)
    assert result.calendar_covered is True
    assert result.explanation("en") == [
        "Trigger: 起诉状副本送达 at 2026-09-22 10:15 Asia/Shanghai (trigger date 2026-09-22).",
        "Period: answer period, 15 days, counted from 2026-09-23, the day after the trigger.",
        "Raw end date: 2026-10-07 (trigger date + 15 days).",
        "Rolled forward past 2026-10-07 国庆节 holiday, rest day (调休: Wednesday given in lieu).",
        "Final day: 2026-10-08 working day (Thursday); the deadline ends at 24:00 Asia/Shanghai on 2026-10-08 "
        "(2026-10-09T00:00:00+08:00).",
    ]


def test_ten_day_ruling_appeal_ending_on_a_worked_saturday_does_not_roll():
    result = deadline(shanghai(2026, 9, 30, 16, 0), 10, trigger_label="裁定书送达", period_label="上诉期（裁定）")
    assert result.raw_end_date == D(2026, 10, 10) and result.raw_end_date.weekday() == 5
    assert result.steps == () and result.last_day == D(2026, 10, 10)
    assert result.explanation("en") == [
        "Trigger: 裁定书送达 at 2026-09-30 16:00 Asia/Shanghai (trigger date 2026-09-30).",
        "Period: appeal period (ruling), 10 days, counted from 2026-10-01, the day after the trigger.",
        "Raw end date: 2026-10-10 (trigger date + 10 days).",
        "Final day: 2026-10-10 working day (调休: Saturday worked for 国庆节); the deadline ends at 24:00 "
        "Asia/Shanghai on 2026-10-10 (2026-10-11T00:00:00+08:00).",
    ]


@pytest.mark.parametrize("saturday", [D(2025, 2, 8), D(2025, 10, 11), D(2026, 2, 14), D(2026, 2, 28)])
def test_other_worked_saturdays_do_not_roll(saturday):
    trigger = saturday - dt.timedelta(days=15)
    result = deadline(shanghai(trigger.year, trigger.month, trigger.day, 12), 15)
    assert saturday.weekday() == 5 and result.raw_end_date == saturday
    assert result.last_day == saturday and result.steps == ()


def test_thirty_day_judicial_confirmation_fully_explained():
    result = deadline(shanghai(2026, 1, 15, 9, 30), 30, trigger_label="调解协议生效", period_label="司法确认申请期")
    assert result.last_day == D(2026, 2, 14)  # a Saturday worked before Spring Festival 2026
    assert result.explanation("en") == [
        "Trigger: mediation agreement took effect at 2026-01-15 09:30 Asia/Shanghai (trigger date 2026-01-15).",
        "Period: 司法确认申请期, 30 days, counted from 2026-01-16, the day after the trigger.",
        "Raw end date: 2026-02-14 (trigger date + 30 days).",
        "Final day: 2026-02-14 working day (调休: Saturday worked for 春节); the deadline ends at 24:00 "
        "Asia/Shanghai on 2026-02-14 (2026-02-15T00:00:00+08:00).",
    ]


def test_thirty_day_judicial_confirmation_into_spring_festival_2026():
    result = deadline(shanghai(2026, 1, 17, 11, 0), 30, period_label="司法确认申请期")
    assert result.raw_end_date == D(2026, 2, 16)
    assert rolled(result) == [D(2026, 2, n) for n in range(16, 24)]
    assert result.last_day == D(2026, 2, 24)
    assert [step.day.kind for step in result.steps] == ["statutory_holiday"] * 4 + ["rest_day"] * 4


def test_an_ordinary_sunday_rolls_to_monday():
    result = deadline(shanghai(2026, 3, 7, 10, 0), 15)
    assert result.raw_end_date == D(2026, 3, 22) and result.raw_end_date.weekday() == 6
    assert rolled(result) == [D(2026, 3, 22)]
    assert result.last_day == D(2026, 3, 23)
    assert "Rolled forward past 2026-03-22 rest day (Sunday)." in result.explanation("en")


def test_a_long_holiday_is_rolled_past_day_by_day():
    result = deadline(shanghai(2026, 9, 16, 9, 0), 15)
    assert result.raw_end_date == D(2026, 10, 1)
    assert result.last_day == D(2026, 10, 8)
    assert result.explanation("en")[3:10] == [
        "Rolled forward past 2026-10-01 国庆节 statutory holiday.",
        "Rolled forward past 2026-10-02 国庆节 statutory holiday.",
        "Rolled forward past 2026-10-03 国庆节 holiday, rest day (Saturday).",
        "Rolled forward past 2026-10-04 国庆节 holiday, rest day (Sunday).",
        "Rolled forward past 2026-10-05 国庆节 statutory holiday.",
        "Rolled forward past 2026-10-06 国庆节 holiday, rest day (调休: Tuesday given in lieu).",
        "Rolled forward past 2026-10-07 国庆节 holiday, rest day (调休: Wednesday given in lieu).",
    ]


@pytest.mark.parametrize(
    ("trigger", "raw_end", "last_day", "rolled_days"),
    [
        (D(2025, 1, 13), D(2025, 1, 28), D(2025, 2, 5), 8),  # Spring Festival 2025: 01-28..02-04
        (D(2026, 2, 1), D(2026, 2, 16), D(2026, 2, 24), 8),  # Spring Festival 2026: 02-15..02-23
        (D(2025, 9, 20), D(2025, 10, 5), D(2025, 10, 9), 4),  # National Day 2025: 10-01..10-08
        (D(2025, 9, 16), D(2025, 10, 1), D(2025, 10, 9), 8),
    ],
)
def test_long_holidays_of_2025_and_2026(trigger, raw_end, last_day, rolled_days):
    result = deadline(shanghai(trigger.year, trigger.month, trigger.day, 15), 15)
    assert result.raw_end_date == raw_end
    assert result.last_day == last_day
    assert len(result.steps) == rolled_days
    assert all(not step.day.is_working_day and step.action == "rolled_forward" for step in result.steps)


def test_national_day_2025_names_mid_autumn():
    result = deadline(shanghai(2025, 9, 20, 15), 15)
    assert [step.describe() for step in result.steps] == [
        "Rolled forward past 2025-10-05 国庆节 holiday, rest day (Sunday).",
        "Rolled forward past 2025-10-06 中秋 statutory holiday.",
        "Rolled forward past 2025-10-07 国庆节 holiday, rest day (调休: Tuesday given in lieu).",
        "Rolled forward past 2025-10-08 国庆节 holiday, rest day (调休: Wednesday given in lieu).",
    ]


def test_the_trigger_date_is_taken_in_shanghai():
    late_utc = dt.datetime(2026, 9, 15, 16, 30, tzinfo=dt.UTC)  # 2026-09-16 00:30 in Shanghai
    result = deadline(late_utc, 15)
    assert result.trigger_date == D(2026, 9, 16)
    assert result.trigger_at.isoformat() == "2026-09-16T00:30:00+08:00"
    assert result.raw_end_date == D(2026, 10, 1) and result.last_day == D(2026, 10, 8)
    one_hour_earlier = deadline(late_utc - dt.timedelta(hours=1), 15)  # 23:30 on the 15th in Shanghai
    assert one_hour_earlier.last_day == D(2026, 9, 30)


def test_naive_triggers_and_bad_periods_are_refused():
    with pytest.raises(ValueError, match="naive"):
        deadline(dt.datetime(2026, 9, 1, 10), 15)
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="positive"):
            deadline(shanghai(2026, 9, 1, 10), bad)


def test_beyond_coverage_the_deadline_is_flagged_not_guessed():
    result = deadline(shanghai(2026, 12, 20, 10, 0), 15)
    assert result.calendar_covered is False
    assert (result.raw_end_date, result.uncovered_date) == (D(2027, 1, 4), D(2027, 1, 4))
    assert result.last_day is None and result.ends_at is None
    assert result.explanation("en")[-1] == (
        "Calendar not covered: 2027-01-04 is beyond the holiday calendar (built-in data ends 2026-12-31, "
        "no override announces 2027); the deadline cannot be computed until an administrator enters that "
        "year's holidays."
    )
    body = result.as_dict()
    assert (body["calendar_covered"], body["ends_at"], body["uncovered_date"]) == (False, None, "2027-01-04")
    with pytest.raises(CalendarNotCovered) as caught:
        result.require_covered()
    assert (caught.value.http_status, caught.value.reason) == (409, "legal.calendar_not_covered")
    with pytest.raises(CalendarNotCovered):
        result.is_met_by(shanghai(2027, 1, 1, 10))


def test_rolling_into_an_uncovered_year_is_flagged_at_the_first_unknown_day():
    overrides = {D(2026, 12, 31): DayOverride(D(2026, 12, 31), False, "临时休假")}
    result = deadline(shanghai(2026, 12, 16, 10), 15, overrides)
    assert rolled(result) == [D(2026, 12, 31)]
    assert result.calendar_covered is False and result.uncovered_date == D(2027, 1, 1)


def test_an_override_can_make_a_covered_date_a_holiday():
    overrides = {D(2026, 3, 23): DayOverride(D(2026, 3, 23), False, "台风停工", "市政府通告")}
    result = deadline(shanghai(2026, 3, 7, 10, 0), 15, overrides)
    assert rolled(result) == [D(2026, 3, 22), D(2026, 3, 23)]
    assert result.last_day == D(2026, 3, 24)
    assert "Rolled forward past 2026-03-23 台风停工 statutory holiday [calendar override]." in result.explanation("en")


def test_an_override_year_beyond_coverage_makes_deadlines_computable_again():
    assert deadline(shanghai(2026, 12, 19, 10), 15).calendar_covered is False
    overrides = {D(2027, 1, 1): DayOverride(D(2027, 1, 1), False, "元旦")}
    result = deadline(shanghai(2026, 12, 19, 10), 15, overrides)
    assert result.raw_end_date == D(2027, 1, 3)
    assert result.calendar_covered is True and result.last_day == D(2027, 1, 4)
    assert [step.day.source for step in result.steps] == ["override"]
    assert result.ends_at == shanghai(2027, 1, 5, 0, 0)


def test_is_met_by_runs_to_midnight_shanghai():
    result = deadline(shanghai(2026, 9, 22, 10), 15)
    assert result.is_met_by(shanghai(2026, 10, 8, 23, 59, 59))
    assert not result.is_met_by(shanghai(2026, 10, 9, 0, 0))
    assert result.is_met_by(dt.datetime(2026, 10, 8, 15, 59, tzinfo=dt.UTC))


def test_as_dict_is_json_with_shanghai_offsets():
    body = deadline(shanghai(2026, 9, 22, 10), 15, trigger_label="送达", period_label="答辩期").as_dict()
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body
    assert body["trigger"] == {"label": "送达", "at": "2026-09-22T10:00:00+08:00", "date": "2026-09-22"}
    assert body["period"] == {"label": "答辩期", "key": "answer", "days": 15, "counting_starts": "2026-09-23"}
    assert (body["raw_end_date"], body["last_day"]) == ("2026-10-07", "2026-10-08")
    assert body["ends_at"] == "2026-10-09T00:00:00+08:00"
    assert body["steps"][0]["date"] == "2026-10-07" and body["steps"][0]["action"] == "rolled_forward"
    assert body["steps"][0]["kind"] == "rest_day" and body["steps"][0]["holiday_name"] == "国庆节"
    assert body["last_day_detail"]["kind"] == "workday"
    assert body["calendar_covered"] is True and len(body["explanation"]) == 5


def test_working_days_skip_holidays_and_count_worked_saturdays():
    result = add_working_days(
        trigger_at=shanghai(2026, 9, 29, 10),
        days=3,
        trigger_label="收到申请",
        period_label="决定是否受理",
        overrides=NONE,
    )
    assert result.counting == "working_days" and result.last_day == D(2026, 10, 9)
    assert rolled(result) == [D(2026, 10, n) for n in range(1, 8)]
    assert result.explanation("en")[1:4] == [
        "Period: 决定是否受理, 3 working days, counted from 2026-09-30, the day after the trigger.",
        "If every day were a working day it would end on 2026-10-02.",
        "Not counted: 2026-10-01 国庆节 statutory holiday.",
    ]
    after = add_working_days(
        trigger_at=shanghai(2026, 10, 8, 10), days=3, trigger_label="x", period_label="y", overrides=NONE
    )
    assert after.last_day == D(2026, 10, 12) and rolled(after) == [D(2026, 10, 11)]


def test_working_days_into_an_uncovered_year_are_flagged():
    result = add_working_days(
        trigger_at=shanghai(2026, 12, 29, 10), days=3, trigger_label="x", period_label="y", overrides=NONE
    )
    assert result.calendar_covered is False and result.uncovered_date == D(2027, 1, 1)
