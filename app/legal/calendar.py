"""The holiday calendar: chinesecalendar for statutory holidays and 调休 days, admin overrides first.

Rules, in order, for one day:
1. an override row for that day decides it;
2. otherwise chinesecalendar decides it, for the years the installed release covers;
3. otherwise, if the override table has any row in that day's year, the year counts as announced and
   the day follows the weekday rule (Monday-Friday working, Saturday-Sunday rest) - admins enter a new
   year's whole State Council announcement at once, exactly as the package itself stores only exceptions;
4. otherwise the day is not covered and `CalendarNotCovered` is raised - never a guess.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import chinese_calendar
from sqlalchemy import select

from app.errors import Conflict
from app.extensions import db
from app.i18n import Message, label, message
from app.legal.models import CalendarOverride

DayKind = Literal["workday", "rest_day", "statutory_holiday", "adjusted_workday"]
Source = Literal["override", "chinesecalendar"]
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# chinesecalendar names holidays in English; the Chinese names come from its own Holiday enum.
CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


@dataclass(frozen=True)
class DayOverride:
    """An administrator's decision about one day (the pure form of a CalendarOverride row)."""

    day: dt.date
    is_working_day: bool
    holiday_name: str | None = None
    note: str = ""


Overrides = Mapping[dt.date, DayOverride]
NO_OVERRIDES: Overrides = MappingProxyType({})


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one day, and where it says it."""

    date: dt.date
    is_working_day: bool
    kind: DayKind
    holiday_name: str | None
    source: Source

    def describe(self) -> str:
        """A short human reason, e.g. '2026-10-01 国庆节 statutory holiday' (the English of `words()`)."""
        return self.words().render("en")

    def words(self) -> Message:
        """The reason as a catalogue message (rendered in the reader's language): the day's facts as values."""
        day = self.date.isoformat()
        weekday = label("weekday", WEEKDAY_NAMES[self.date.weekday()])
        holiday = self.holiday_name
        if self.kind == "statutory_holiday":
            name = holiday or message("holiday", context="deadline")
            text = message("%(day)s %(holiday)s statutory holiday", context="deadline", day=day, holiday=name)
        elif self.kind == "adjusted_workday" and holiday:
            text = message(
                "%(day)s working day (调休: %(weekday)s worked for %(holiday)s)",
                context="deadline",
                day=day,
                weekday=weekday,
                holiday=holiday,
            )
        elif self.kind == "adjusted_workday":
            text = message(
                "%(day)s working day (调休: %(weekday)s worked)", context="deadline", day=day, weekday=weekday
            )
        elif self.kind == "rest_day" and holiday and self.date.weekday() >= 5:
            text = message(
                "%(day)s %(holiday)s holiday, rest day (%(weekday)s)",
                context="deadline",
                day=day,
                holiday=holiday,
                weekday=weekday,
            )
        elif self.kind == "rest_day" and holiday:
            text = message(
                "%(day)s %(holiday)s holiday, rest day (调休: %(weekday)s given in lieu)",
                context="deadline",
                day=day,
                holiday=holiday,
                weekday=weekday,
            )
        elif self.kind == "rest_day":
            text = message("%(day)s rest day (%(weekday)s)", context="deadline", day=day, weekday=weekday)
        else:
            text = message("%(day)s working day (%(weekday)s)", context="deadline", day=day, weekday=weekday)
        if self.source == "override":
            return message("%(day)s [calendar override]", context="deadline", day=text)
        return text

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "date": self.date.isoformat(),
            "is_working_day": self.is_working_day,
            "kind": self.kind,
            "holiday_name": self.holiday_name,
            "source": self.source,
            "description": self.describe(),
        }


class CalendarNotCovered(Conflict):
    """The holiday calendar does not know this day yet (409: valid request, calendar data missing)."""

    reason = "legal.calendar_not_covered"
    default_message = "The holiday calendar does not cover this date yet."

    def __init__(self, day: dt.date, message: str | None = None) -> None:
        self.day = day
        message = message or (
            f"The holiday calendar does not cover {day.isoformat()}: the built-in calendar covers "
            f"{covered_from().isoformat()} to {covered_until().isoformat()} and no override announces "
            f"{day.year}. An administrator must enter that year's holidays before this can be computed."
        )
        super().__init__(message, errors={"uncovered_date": [day.isoformat()]})


def _package_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@functools.cache
def covered_until() -> dt.date:
    """The last date the installed chinesecalendar release knows (found once, then cached)."""
    year = max(chinese_calendar.holidays).year
    while _package_knows(dt.date(year + 1, 1, 1)):
        year += 1
    while not _package_knows(dt.date(year, 12, 31)):
        year -= 1
    return dt.date(year, 12, 31)


@functools.cache
def covered_from() -> dt.date:
    """The first date the installed chinesecalendar release knows."""
    year = min(chinese_calendar.holidays).year
    return dt.date(year, 1, 1)


def override_years(overrides: Overrides) -> frozenset[int]:
    """The years that have at least one override row (and so count as announced)."""
    return frozenset(day.year for day in overrides)


def is_covered(day: dt.date, overrides: Overrides = NO_OVERRIDES) -> bool:
    """True when `day_kind` can answer for this day."""
    return day in overrides or covered_from() <= day <= covered_until() or day.year in override_years(overrides)


def day_kind(day: dt.date, overrides: Overrides = NO_OVERRIDES) -> DayInfo:
    """Classify one day; raise CalendarNotCovered when neither overrides nor the package know it."""
    if isinstance(day, dt.datetime):
        raise TypeError("day_kind takes a date; convert the datetime to Asia/Shanghai first")
    if day in overrides:
        return _from_override(overrides[day])
    if covered_from() <= day <= covered_until():
        return _from_package(day)
    if day.year in override_years(overrides):
        working = day.weekday() < 5
        return DayInfo(day, working, "workday" if working else "rest_day", None, "override")
    raise CalendarNotCovered(day)


def _from_override(row: DayOverride) -> DayInfo:
    weekend = row.day.weekday() >= 5
    if row.is_working_day:
        kind: DayKind = "adjusted_workday" if weekend else "workday"
    else:
        kind = "statutory_holiday" if row.holiday_name else "rest_day"
    return DayInfo(row.day, row.is_working_day, kind, row.holiday_name or None, "override")


def _from_package(day: dt.date) -> DayInfo:
    _, english_name = chinese_calendar.get_holiday_detail(day)
    name = CHINESE_NAMES.get(english_name, english_name) if english_name else None
    if chinese_calendar.is_workday(day):
        if day.weekday() >= 5:
            return DayInfo(day, True, "adjusted_workday", name, "chinesecalendar")
        return DayInfo(day, True, "workday", None, "chinesecalendar")
    if name is None:
        return DayInfo(day, False, "rest_day", None, "chinesecalendar")
    # Inside a holiday block, weekend days and weekdays given in lieu (调休) are rest days; the other
    # weekdays are the statutory days. The package does not mark a statutory day that falls on a weekend
    # (e.g. 2026-10-03), so that one is reported as a rest day: the legal effect (not working) is the same.
    weekend = day.weekday() >= 5
    kind: DayKind = "rest_day" if weekend or chinese_calendar.is_in_lieu(day) else "statutory_holiday"
    return DayInfo(day, False, kind, name, "chinesecalendar")


def to_day_override(row: CalendarOverride) -> DayOverride:
    """Convert a stored row into its pure form."""
    return DayOverride(row.day, bool(row.is_working_day), row.holiday_name or None, row.note or "")


def load_overrides() -> dict[dt.date, DayOverride]:
    """Read every override row (a small table; all of it, since one row announces its whole year)."""
    rows = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day))
    return {row.day: to_day_override(row) for row in rows}
