"""Working hours for statistics: off-hours activity and working minutes, calendar-aware (调休 days work).

Hours come from the config keys WORKING_HOURS_START and WORKING_HOURS_END ("HH:MM" in Asia/Shanghai,
default 08:30 and 17:30); `hours_from_config(app.config)` reads them. Working time is the half-open
interval [start, end) on working days: 08:30 is working time, 17:30 is already off hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.legal.calendar import Overrides, day_kind
from app.utils.clock import SHANGHAI, as_utc

DEFAULT_START = "08:30"
DEFAULT_END = "17:30"
CONFIG_START = "WORKING_HOURS_START"
CONFIG_END = "WORKING_HOURS_END"

Hours = str | dt.time


def parse_hours(start: Hours, end: Hours) -> tuple[dt.time, dt.time]:
    """Turn "HH:MM" (or time objects) into times; the start must come before the end."""
    first, last = _parse_time(start), _parse_time(end)
    if first >= last:
        raise ValueError(f"working hours must start before they end, got {first:%H:%M}-{last:%H:%M}")
    return first, last


def hours_from_config(config: Mapping[str, object]) -> dict[str, str]:
    """The `start`/`end` keyword arguments from a config mapping (defaults when a key is missing)."""
    start = str(config.get(CONFIG_START) or DEFAULT_START)
    end = str(config.get(CONFIG_END) or DEFAULT_END)
    parse_hours(start, end)
    return {"start": start, "end": end}


def is_off_hours(
    at: dt.datetime, *, start: Hours = DEFAULT_START, end: Hours = DEFAULT_END, overrides: Overrides
) -> bool:
    """True outside working hours on a working day, or at any time of a rest day or holiday.

    Raises CalendarNotCovered when the calendar does not know the day (never guessed).
    """
    first, last = parse_hours(start, end)
    local = as_utc(at).astimezone(SHANGHAI)
    if not day_kind(local.date(), overrides).is_working_day:
        return True
    return not first <= local.time().replace(tzinfo=None) < last


def working_minutes_between(
    start_date: dt.date,
    end_date: dt.date,
    *,
    start: Hours = DEFAULT_START,
    end: Hours = DEFAULT_END,
    overrides: Overrides,
) -> int:
    """Working minutes over the working days from start_date to end_date, both included.

    Raises CalendarNotCovered for the first day in the range the calendar does not know.
    """
    return working_days_between(start_date, end_date, overrides=overrides) * _minutes_per_day(start, end)


def working_days_between(start_date: dt.date, end_date: dt.date, *, overrides: Overrides) -> int:
    """The number of working days from start_date to end_date, both included (0 when end < start)."""
    if isinstance(start_date, dt.datetime) or isinstance(end_date, dt.datetime):
        raise TypeError("pass dates (in Asia/Shanghai), not datetimes")
    count, day = 0, start_date
    while day <= end_date:
        count += day_kind(day, overrides).is_working_day
        day += dt.timedelta(days=1)
    return count


def _minutes_per_day(start: Hours, end: Hours) -> int:
    first, last = parse_hours(start, end)
    return (last.hour * 60 + last.minute) - (first.hour * 60 + first.minute)


def _parse_time(value: Hours) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    try:
        hours, minutes = (int(part) for part in value.strip().split(":"))
        return dt.time(hours, minutes)
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f'working hours are "HH:MM", got {value!r}') from None
