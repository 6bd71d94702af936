"""The lower bound of a deadline: holidays only extend a period, so an act before the raw end is always in time."""

from __future__ import annotations

import datetime as dt

import pytest

from app.legal.calendar import CalendarNotCovered, DayOverride
from app.legal.deadlines import add_working_days, compute_deadline

D = dt.date
SH = dt.timezone(dt.timedelta(hours=8))


def shanghai(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SH)


def window(trigger_at: dt.datetime, overrides=None, days: int = 30):
    return compute_deadline(
        trigger_at=trigger_at,
        period_days=days,
        trigger_label="mediation agreement took effect",
        period_label="application for judicial confirmation",
        overrides=overrides or {},
    )


@pytest.mark.parametrize("effective_day", [2, 15, 30, 31])
def test_a_december_window_ends_in_january_and_is_bounded_below_by_its_raw_end(effective_day):
    result = window(shanghai(2026, 12, effective_day, 15))
    raw_end = D(2026, 12, effective_day) + dt.timedelta(days=30)
    assert result.calendar_covered is False and result.raw_end_date == raw_end
    assert result.earliest_last_day == raw_end == result.uncovered_date
    assert result.earliest_ends_at == dt.datetime.combine(raw_end + dt.timedelta(days=1), dt.time(0), tzinfo=SH)
    assert result.certainly_met_by(shanghai(raw_end.year, raw_end.month, raw_end.day, 23, 59))
    next_day = raw_end + dt.timedelta(days=1)
    assert not result.certainly_met_by(shanghai(next_day.year, next_day.month, next_day.day, 0, 0))
    with pytest.raises(CalendarNotCovered):  # beyond the lower bound only the calendar can say
        result.is_met_by(shanghai(next_day.year, next_day.month, next_day.day, 9))


def test_the_explanation_names_the_lower_bound_and_keeps_the_not_covered_reason_last():
    result = window(shanghai(2026, 12, 2, 9))
    assert result.explanation("en")[-2] == (
        "Holidays can only extend a period: it ends no earlier than 24:00 Asia/Shanghai on 2027-01-01, "
        "so an act before then is in time whatever that year's holidays are."
    )
    assert result.explanation("en")[-1].startswith("Calendar not covered: 2027-01-01")


def test_a_window_ending_on_the_last_covered_day_is_covered_and_its_bound_is_its_end():
    result = window(shanghai(2026, 12, 1, 9))  # raw end 2026-12-31, a Thursday, the calendar's last day
    assert result.calendar_covered and result.last_day == D(2026, 12, 31)
    assert result.earliest_last_day == result.last_day and result.earliest_ends_at == result.ends_at
    assert result.certainly_met_by(shanghai(2026, 12, 31, 23)) and not result.certainly_met_by(shanghai(2027, 1, 1))


def test_rolling_forward_into_the_uncovered_year_raises_the_bound_to_the_first_unknown_day():
    overrides = {D(2026, 12, 31): DayOverride(D(2026, 12, 31), False, "临时休假")}
    result = window(shanghai(2026, 12, 16, 10), overrides, days=15)
    assert result.uncovered_date == D(2027, 1, 1) and result.earliest_last_day == D(2027, 1, 1)
    assert result.certainly_met_by(shanghai(2027, 1, 1, 20))


def test_once_next_year_is_entered_the_real_end_replaces_the_bound_and_is_never_earlier():
    overrides = {D(2027, 1, 1): DayOverride(D(2027, 1, 1), False, "元旦")}
    for day in range(1, 32):
        bound = window(shanghai(2026, 12, day, 10)).earliest_last_day
        real = window(shanghai(2026, 12, day, 10), overrides)
        assert real.calendar_covered and bound is not None and real.last_day is not None
        assert real.last_day >= bound and real.earliest_last_day == real.last_day


def test_working_days_beyond_the_calendar_are_bounded_as_if_every_unknown_day_were_worked():
    result = add_working_days(
        trigger_at=shanghai(2026, 12, 29, 10), days=3, trigger_label="t", period_label="p", overrides={}
    )
    # 12-30 and 12-31 are working days (2 counted); the third could be 2027-01-01 at the earliest
    assert result.calendar_covered is False and result.uncovered_date == D(2027, 1, 1)
    assert result.earliest_last_day == D(2027, 1, 1)
