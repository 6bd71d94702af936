"""The holiday calendar: chinesecalendar's data as we rely on it, overrides first, no guessing."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from app.errors import AppError, Conflict
from app.extensions import db
from app.legal.calendar import (
    CalendarNotCovered,
    DayOverride,
    covered_from,
    covered_until,
    day_kind,
    is_covered,
    load_overrides,
)
from app.legal.models import CalendarOverride  # registers the table before the test schema is built

D = dt.date


def dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def package_holidays(first: dt.date, last: dt.date) -> list[dt.date]:
    return [day for day in dates(first, last) if day in chinese_calendar.holidays]


def package_workdays_on_weekends(first: dt.date, last: dt.date) -> list[dt.date]:
    return [day for day in dates(first, last) if day in chinese_calendar.workdays]


# The published State Council schedules; if the installed package disagrees, every deadline test is void.
@pytest.mark.parametrize(
    ("first", "last", "holidays", "worked_weekend_days"),
    [
        (D(2025, 1, 20), D(2025, 2, 10), dates(D(2025, 1, 28), D(2025, 2, 4)), [D(2025, 1, 26), D(2025, 2, 8)]),
        (D(2026, 2, 8), D(2026, 3, 1), dates(D(2026, 2, 15), D(2026, 2, 23)), [D(2026, 2, 14), D(2026, 2, 28)]),
        (D(2025, 9, 25), D(2025, 10, 12), dates(D(2025, 10, 1), D(2025, 10, 8)), [D(2025, 9, 28), D(2025, 10, 11)]),
        (
            D(2026, 9, 18),
            D(2026, 10, 11),
            [*dates(D(2026, 9, 25), D(2026, 9, 27)), *dates(D(2026, 10, 1), D(2026, 10, 7))],
            [D(2026, 9, 20), D(2026, 10, 10)],
        ),
    ],
    ids=["spring-2025", "spring-2026", "national-2025", "national-2026"],
)
def test_the_package_holds_the_published_schedules(first, last, holidays, worked_weekend_days):
    assert package_holidays(first, last) == holidays
    assert package_workdays_on_weekends(first, last) == worked_weekend_days
    assert all(day.weekday() >= 5 for day in worked_weekend_days)
    for day in holidays:
        assert day_kind(day).is_working_day is False
    for day in worked_weekend_days:
        assert day_kind(day).kind == "adjusted_workday"


def test_holiday_names_are_chinese():
    assert chinese_calendar.get_holiday_detail(D(2026, 10, 1)) == (True, "National Day")
    assert day_kind(D(2026, 10, 1)).holiday_name == "国庆节"
    assert day_kind(D(2026, 2, 17)).holiday_name == "春节"
    assert day_kind(D(2025, 10, 6)).holiday_name == "中秋"


@pytest.mark.parametrize(
    ("day", "working", "kind", "name", "text"),
    [
        (D(2026, 10, 1), False, "statutory_holiday", "国庆节", "2026-10-01 国庆节 statutory holiday"),
        (D(2026, 10, 4), False, "rest_day", "国庆节", "2026-10-04 国庆节 holiday, rest day (Sunday)"),
        (
            D(2026, 10, 7),
            False,
            "rest_day",
            "国庆节",
            "2026-10-07 国庆节 holiday, rest day (调休: Wednesday given in lieu)",
        ),
        (
            D(2026, 10, 10),
            True,
            "adjusted_workday",
            "国庆节",
            "2026-10-10 working day (调休: Saturday worked for 国庆节)",
        ),
        (D(2026, 10, 17), False, "rest_day", None, "2026-10-17 rest day (Saturday)"),
        (D(2026, 10, 12), True, "workday", None, "2026-10-12 working day (Monday)"),
    ],
)
def test_day_kinds(day, working, kind, name, text):
    info = day_kind(day)
    assert (info.date, info.is_working_day, info.kind, info.holiday_name, info.source) == (
        day,
        working,
        kind,
        name,
        "chinesecalendar",
    )
    assert info.describe() == text
    assert info.as_dict()["date"] == day.isoformat()


def test_coverage_is_what_the_package_knows():
    assert covered_until() == D(2026, 12, 31)  # chinesecalendar 1.11.0
    assert covered_from() == D(2004, 1, 1)
    chinese_calendar.is_workday(covered_until())
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(covered_until() + dt.timedelta(days=1))
    assert is_covered(D(2026, 12, 31)) and not is_covered(D(2027, 1, 1)) and not is_covered(D(2003, 12, 31))


def test_an_uncovered_day_is_refused_not_guessed():
    with pytest.raises(CalendarNotCovered) as caught:
        day_kind(D(2027, 1, 4))
    error = caught.value
    assert isinstance(error, Conflict) and isinstance(error, AppError)
    assert (error.http_status, error.reason, error.day) == (409, "legal.calendar_not_covered", D(2027, 1, 4))
    assert error.errors == {"uncovered_date": ["2027-01-04"]}
    assert "2027-01-04" in error.message and "2026-12-31" in error.message


def test_datetimes_are_refused():
    with pytest.raises(TypeError):
        day_kind(dt.datetime(2026, 10, 1, tzinfo=dt.UTC))


def test_an_override_comes_before_the_package():
    overrides = {
        D(2026, 3, 23): DayOverride(D(2026, 3, 23), False, "台风停工"),
        D(2026, 10, 7): DayOverride(D(2026, 10, 7), True, None, "court open"),
        D(2026, 3, 28): DayOverride(D(2026, 3, 28), True),
        D(2026, 3, 24): DayOverride(D(2026, 3, 24), False),
    }
    holiday = day_kind(D(2026, 3, 23), overrides)
    assert (holiday.is_working_day, holiday.kind, holiday.holiday_name, holiday.source) == (
        False,
        "statutory_holiday",
        "台风停工",
        "override",
    )
    assert holiday.describe() == "2026-03-23 台风停工 statutory holiday [calendar override]"
    assert day_kind(D(2026, 10, 7), overrides).kind == "workday"
    assert day_kind(D(2026, 3, 28), overrides).kind == "adjusted_workday"
    assert day_kind(D(2026, 3, 24), overrides).kind == "rest_day"
    assert day_kind(D(2026, 3, 25), overrides).source == "chinesecalendar"


def test_one_override_row_announces_its_whole_year():
    overrides = {D(2027, 1, 1): DayOverride(D(2027, 1, 1), False, "元旦")}
    assert day_kind(D(2027, 1, 1), overrides).kind == "statutory_holiday"
    monday = day_kind(D(2027, 1, 4), overrides)
    assert (monday.is_working_day, monday.kind, monday.source) == (True, "workday", "override")
    assert day_kind(D(2027, 1, 2), overrides).kind == "rest_day"
    assert is_covered(D(2027, 6, 1), overrides)
    with pytest.raises(CalendarNotCovered):
        day_kind(D(2028, 1, 3), overrides)


def test_overrides_load_from_the_database(app):
    db.session.add_all(
        [
            CalendarOverride(day=D(2027, 1, 1), is_working_day=False, holiday_name="元旦", note="国办发明电"),
            CalendarOverride(day=D(2026, 12, 26), is_working_day=True),
        ]
    )
    db.session.commit()
    overrides = load_overrides()
    assert overrides == {
        D(2026, 12, 26): DayOverride(D(2026, 12, 26), True, None, ""),
        D(2027, 1, 1): DayOverride(D(2027, 1, 1), False, "元旦", "国办发明电"),
    }
    assert day_kind(D(2026, 12, 26), overrides).kind == "adjusted_workday"
    assert day_kind(D(2027, 1, 4), overrides).is_working_day
