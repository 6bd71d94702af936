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
from flask import current_app
from sqlalchemy import ScalarSelect, Select, event, func, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from app.errors import Conflict
from app.extensions import db
from app.i18n import Message, label, message
from app.legal.models import CalendarOverride, CalendarVersion

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


# The overrides, parsed, are kept per process (per app) under the calendar's version (`CalendarVersion`, raised in
# the transaction of every write to the overrides). A request reads the version, preferably as a column of a
# statement it makes anyway (`version_column`, then `saw_version`), and reads the overrides only when the version
# changed: every app server sees an admin's change with its commit, as when it read the table on every deadline.
CACHE_KEY = "microcourt.calendar"  # app.extensions: (version, overrides) as this process last read them
SEEN_KEY = "legal.calendar_version"  # session.info: the version read in the current transaction
WRITTEN_KEY = "legal.calendar_written"  # session.info: this transaction wrote overrides (not yet committed)


# Built once per process, not per call (building a statement costs about what running it does).
_VERSION: ScalarSelect[int] = select(CalendarVersion.version).where(CalendarVersion.id == 1).scalar_subquery()
_READ_VERSION = select(_VERSION)


def _version_and_rows() -> Select:
    # The version and the rows in one statement (one snapshot): the rows are exactly that version's.
    newest = func.coalesce(func.max(CalendarVersion.version), 0).label("version")
    version = select(newest).where(CalendarVersion.id == 1).subquery()
    query = select(version.c.version, CalendarOverride).select_from(version).outerjoin(CalendarOverride, true())
    return query.order_by(CalendarOverride.day)


_VERSION_AND_ROWS = _version_and_rows()


def version_column() -> ScalarSelect[int]:
    """The calendar's version as a scalar subquery, to add to a statement a request makes anyway."""
    return _VERSION


def saw_version(version: int | None) -> None:
    """Remember the version read by `version_column` for the rest of this transaction."""
    db.session.info[SEEN_KEY] = version or 0  # no row (a wiped test database) counts as 0


def load_overrides() -> dict[dt.date, DayOverride]:
    """Every override (a small table; all of it, since one row announces its whole year), as of the version seen.

    With the version already read in this transaction and this process holding that version's overrides: no
    statement. Otherwise one statement for the version, and the table (with the version) when it changed. A
    transaction that wrote overrides reads its own, uncommitted, and keeps them out of the cache.
    """
    session = db.session
    cached: tuple[int, dict[dt.date, DayOverride]] | None = current_app.extensions.get(CACHE_KEY)
    written = session.info.get(WRITTEN_KEY, False)
    if cached is not None and not written:
        if SEEN_KEY not in session.info:
            saw_version(session.scalar(_READ_VERSION))
        if cached[0] == session.info[SEEN_KEY]:
            return dict(cached[1])
    rows = session.execute(_VERSION_AND_ROWS).all()
    overrides = {row[1].day: to_day_override(row[1]) for row in rows if row[1] is not None}
    if not written:
        saw_version(rows[0][0])
        current_app.extensions[CACHE_KEY] = (session.info[SEEN_KEY], overrides)
    return dict(overrides)


def bump_version() -> None:
    """Raise the version in the caller's transaction (an ORM write to an override does it at its flush too)."""
    _raise_version(db.session())


def _raise_version(session: Session) -> None:
    raise_version = update(CalendarVersion).where(CalendarVersion.id == 1).values(version=CalendarVersion.version + 1)
    result = session.execute(raise_version.execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) == 0:  # no row yet (a wiped test database; the migration creates it)
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(CalendarVersion).values(id=1, version=1).on_conflict_do_nothing())
    session.info.pop(SEEN_KEY, None)
    session.info[WRITTEN_KEY] = True


@event.listens_for(Session, "before_flush")
def _overrides_written(session: Session, flush_context: object, instances: object) -> None:
    """Any ORM write to an override raises the version in the same transaction."""
    if any(isinstance(row, CalendarOverride) for row in (*session.new, *session.dirty, *session.deleted)):
        _raise_version(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_seen_version(session: Session, transaction: SessionTransaction) -> None:
    """The version read is good for one transaction (the next one reads it again)."""
    if transaction.parent is None:
        session.info.pop(SEEN_KEY, None)
        session.info.pop(WRITTEN_KEY, None)
