"""Off hours and working minutes: 08:30-17:30 Asia/Shanghai on working days, calendar-aware."""

from __future__ import annotations

import datetime as dt

import pytest

from app.legal.calendar import CalendarNotCovered, DayOverride, day_kind
from app.legal.working_hours import hours_from_config, is_off_hours, parse_hours, working_minutes_between

D = dt.date
SH = dt.timezone(dt.timedelta(hours=8))
NONE: dict = {}


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hours, minutes, tzinfo=SH)


WORKDAY = D(2026, 10, 9)  # Friday
SATURDAY = D(2026, 10, 17)
WORKED_SATURDAY = D(2026, 10, 10)  # 调休 for National Day
HOLIDAY = D(2026, 10, 1)  # National Day, a Thursday
BOUNDARIES = {"08:29": True, "08:30": False, "17:29": False, "17:30": True}


def test_the_days_are_what_the_tests_assume():
    assert day_kind(WORKDAY).kind == "workday"
    assert day_kind(SATURDAY).kind == "rest_day"
    assert day_kind(WORKED_SATURDAY).kind == "adjusted_workday" and WORKED_SATURDAY.weekday() == 5
    assert day_kind(HOLIDAY).kind == "statutory_holiday" and HOLIDAY.weekday() == 3


@pytest.mark.parametrize("day", [WORKDAY, WORKED_SATURDAY], ids=["workday", "worked-saturday"])
@pytest.mark.parametrize("hhmm", sorted(BOUNDARIES))
def test_boundaries_on_working_days(day, hhmm):
    assert is_off_hours(at(day, hhmm), overrides=NONE) is BOUNDARIES[hhmm]


@pytest.mark.parametrize("day", [SATURDAY, HOLIDAY], ids=["saturday", "holiday"])
@pytest.mark.parametrize("hhmm", [*sorted(BOUNDARIES), "00:00", "12:00", "23:59"])
def test_rest_days_and_holidays_are_off_hours_all_day(day, hhmm):
    assert is_off_hours(at(day, hhmm), overrides=NONE) is True


def test_the_time_is_read_in_shanghai():
    assert is_off_hours(dt.datetime(2026, 10, 9, 0, 30, tzinfo=dt.UTC), overrides=NONE) is False  # 08:30 in Shanghai
    assert is_off_hours(dt.datetime(2026, 10, 9, 0, 29, tzinfo=dt.UTC), overrides=NONE) is True
    # Friday 20:00 UTC is Saturday 04:00 in Shanghai: a rest day.
    assert is_off_hours(dt.datetime(2026, 10, 16, 20, 0, tzinfo=dt.UTC), overrides=NONE) is True
    with pytest.raises(ValueError, match="naive"):
        is_off_hours(dt.datetime(2026, 10, 9, 10, 0), overrides=NONE)


def test_hours_are_configurable():
    hours = hours_from_config({"WORKING_HOURS_START": "09:00", "WORKING_HOURS_END": "17:00"})
    assert hours == {"start": "09:00", "end": "17:00"}
    assert is_off_hours(at(WORKDAY, "08:45"), overrides=NONE, **hours) is True
    assert is_off_hours(at(WORKDAY, "16:59"), overrides=NONE, **hours) is False
    assert is_off_hours(at(WORKDAY, "17:00"), overrides=NONE, **hours) is True
    assert hours_from_config({}) == {"start": "08:30", "end": "17:30"}
    assert parse_hours(dt.time(8, 30), "17:30") == (dt.time(8, 30), dt.time(17, 30))
    for start, end in [("17:30", "08:30"), ("8.30", "17:30"), ("25:00", "26:00"), ("08:30", "")]:
        with pytest.raises(ValueError):
            parse_hours(start, end)


def test_overrides_change_off_hours():
    closed = {WORKDAY: DayOverride(WORKDAY, False, "台风停工")}
    assert is_off_hours(at(WORKDAY, "10:00"), overrides=closed) is True
    opened = {SATURDAY: DayOverride(SATURDAY, True)}
    assert is_off_hours(at(SATURDAY, "10:00"), overrides=opened) is False


def test_an_uncovered_day_is_not_guessed():
    with pytest.raises(CalendarNotCovered):
        is_off_hours(at(D(2027, 1, 4), "10:00"), overrides=NONE)
    announced = {D(2027, 1, 1): DayOverride(D(2027, 1, 1), False, "元旦")}
    assert is_off_hours(at(D(2027, 1, 4), "10:00"), overrides=announced) is False


def test_working_minutes_count_working_days_only():
    # 2026-10-01..10-11: only 10-08, 10-09 and the worked Saturday 10-10 are working days.
    assert working_minutes_between(D(2026, 10, 1), D(2026, 10, 11), overrides=NONE) == 3 * 540
    assert working_minutes_between(D(2026, 10, 1), D(2026, 10, 11), start="09:00", end="17:00", overrides=NONE) == (
        3 * 480
    )
    assert working_minutes_between(D(2026, 10, 9), D(2026, 10, 9), overrides=NONE) == 540
    assert working_minutes_between(D(2026, 10, 9), D(2026, 10, 8), overrides=NONE) == 0
    closed = {WORKDAY: DayOverride(WORKDAY, False)}
    assert working_minutes_between(D(2026, 10, 1), D(2026, 10, 11), overrides=closed) == 2 * 540


def test_working_minutes_refuse_uncovered_days():
    with pytest.raises(CalendarNotCovered) as caught:
        working_minutes_between(D(2026, 12, 28), D(2027, 1, 8), overrides=NONE)
    assert caught.value.day == D(2027, 1, 1)
