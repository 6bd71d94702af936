"""Entering the holiday calendar: a new year's State Council announcement at once, single-day corrections.

A year is entered whole (`import_year`): one override row in a year the package does not cover makes the
whole year count as announced (app/legal/calendar.py), so entering it day by day would let the days not yet
entered pass as ordinary working days. `set_day` therefore only corrects a year that is already covered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.legal.calendar import (
    DayOverride,
    bump_version,
    covered_from,
    covered_until,
    day_kind,
    load_overrides,
    override_years,
)
from app.legal.models import CalendarOverride
from app.security import permissions
from app.security.permissions import Principal

HIDDEN = NotFound("Not found.", reason="resource.not_found")
FIRST_YEAR, LAST_YEAR = 2000, 2100
NAME_LENGTH = 64


@dataclass(frozen=True)
class YearImport:
    """What an import wrote."""

    year: int
    holidays: int
    workdays: int
    replaced: int

    def as_dict(self) -> dict[str, int]:
        """JSON form."""
        return {"year": self.year, "holidays": self.holidays, "workdays": self.workdays, "replaced": self.replaced}


def check_admin(actor: Principal | None) -> None:
    """actor None means the operator at the CLI; otherwise only platform admins pass."""
    if actor is not None and not permissions.is_platform_admin(actor):
        raise HIDDEN


def _check_year(year: object) -> int:
    """`year` itself when it is a year the calendar may hold (input may come straight from JSON)."""
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(errors={"year": [f"Must be a year from {FIRST_YEAR} to {LAST_YEAR}."]})
    return year


def package_covers(year: int) -> bool:
    """True when the installed chinesecalendar release knows the whole year."""
    return covered_from().year <= year <= covered_until().year


def _parse_day(value: object) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()) if len(value.strip()) == 10 else None
        except ValueError:
            return None
    return None


def _entries(
    field: str, raw: Iterable[Mapping[str, Any]], year: int, errors: dict[str, dict[str, list[str]]]
) -> dict[dt.date, str | None]:
    """Parse one list into {day: name}; problems go into errors[field][<the day as given>]."""
    found: dict[dt.date, str | None] = {}
    for position, entry in enumerate(raw):
        given = entry.get("day") if isinstance(entry, Mapping) else None
        label = str(given) if given is not None else f"#{position}"
        problems = errors.setdefault(field, {}).setdefault(label, [])
        day = _parse_day(given)
        name = entry.get("name") if isinstance(entry, Mapping) else None
        name = name.strip() if isinstance(name, str) else None
        if day is None:
            problems.append("Not a date (YYYY-MM-DD).")
        elif day.year != year:
            problems.append(f"Not in {year}.")
        elif day in found:
            problems.append("Listed twice.")
        elif field == "workdays" and day.weekday() < 5:
            problems.append("An adjusted working day (调休) is a Saturday or Sunday; this is a weekday.")
        if field == "holidays" and not name:
            problems.append("A holiday needs a name, e.g. 春节.")
        if name and len(name) > NAME_LENGTH:
            problems.append(f"The name is longer than {NAME_LENGTH} characters.")
        if day is not None and not problems:
            found[day] = name or None
    return found


def _validate(year: int, holidays: list, workdays: list) -> tuple[dict[dt.date, str | None], dict[dt.date, str | None]]:
    errors: dict[str, dict[str, list[str]]] = {}
    if not isinstance(holidays, list) or not isinstance(workdays, list):
        raise ValidationFailed(errors={"holidays": ["Must be a list."], "workdays": ["Must be a list."]})
    rest = _entries("holidays", holidays, year, errors)
    work = _entries("workdays", workdays, year, errors)
    for day in sorted(set(rest) & set(work)):
        errors.setdefault("workdays", {}).setdefault(day.isoformat(), []).append("Also listed as a holiday.")
    errors = {field: {day: msgs for day, msgs in days.items() if msgs} for field, days in errors.items()}
    errors = {field: days for field, days in errors.items() if days}
    if not holidays and "holidays" not in errors:
        errors["holidays"] = {"": ["A year's announcement lists at least one holiday."]}
    if errors:
        raise ValidationFailed(f"The {year} calendar has invalid days.", errors=errors)
    return rest, work


def _year_rows(year: int) -> list[CalendarOverride]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return list(db.session.scalars(select(CalendarOverride).where(CalendarOverride.day.between(first, last))))


def import_year(
    year: object,
    holidays: list[Mapping[str, Any]],
    workdays: list[Mapping[str, Any]],
    actor: Principal | None,
    replace: bool = False,
) -> YearImport:
    """Write a year's whole announcement (holidays and 调休 working days) in one transaction, audited."""
    check_admin(actor)
    year = _check_year(year)
    rest, work = _validate(year, holidays, workdays)
    existing = _year_rows(year)
    if not replace and package_covers(year):
        raise Conflict(
            f"The built-in calendar already covers {year}; pass replace to let the entered days win.",
            reason="calendar.year_covered_by_package",
        )
    if existing and not replace:
        raise Conflict(
            f"{year} already has {len(existing)} entered days; pass replace to enter it again whole.",
            reason="calendar.year_already_entered",
        )
    result = YearImport(year, len(rest), len(work), len(existing))
    details = {**result.as_dict(), "replace": bool(replace)}
    # The audit append locks the audit head: imports run one after the other from here, so a year that
    # changed since it was read above was changed by an import that won the race.
    audit.record("calendar.year_imported", actor=actor, object_type="calendar_year", object_id=year, details=details)
    if {row.id for row in _year_rows(year)} != {row.id for row in existing}:
        db.session.rollback()
        raise Conflict(f"{year} was entered at the same moment; look at it again.", reason="calendar.conflict")
    if existing:
        db.session.execute(delete(CalendarOverride).where(CalendarOverride.id.in_([row.id for row in existing])))
        db.session.flush()
    creator = actor.user_id if actor is not None else None
    for day, name in rest.items():
        db.session.add(CalendarOverride(day=day, is_working_day=False, holiday_name=name, created_by=creator))
    for day, maybe_name in work.items():
        db.session.add(CalendarOverride(day=day, is_working_day=True, holiday_name=maybe_name, created_by=creator))
    bump_version()  # every app server reads the calendar again (the flush raises it too; the bulk DELETE would not)
    _commit(year)
    return result


def _commit(year: int) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            f"{year} was entered at the same moment; look at it again.", reason="calendar.conflict"
        ) from None


def set_day(day: dt.date, is_working_day: bool, holiday_name: str | None, actor: Principal | None) -> dict[str, Any]:
    """Correct one day of a year that is already covered (by the package or an entered announcement)."""
    check_admin(actor)
    _check_year(day.year)
    name = holiday_name.strip() if isinstance(holiday_name, str) and holiday_name.strip() else None
    if not is_working_day and not name:
        raise ValidationFailed(errors={"holiday_name": ["A day off needs its holiday's name."]})
    if name and len(name) > NAME_LENGTH:
        raise ValidationFailed(errors={"holiday_name": [f"Longer than {NAME_LENGTH} characters."]})
    overrides = load_overrides()
    if not package_covers(day.year) and day.year not in override_years(overrides):
        raise Conflict(
            f"{day.year} is not entered yet: import the whole year's announcement first.",
            reason="calendar.year_not_covered",
            errors={day.isoformat(): [f"{day.year} is not covered."]},
        )
    before = day_kind(day, overrides)
    row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    if row is None:
        row = CalendarOverride(day=day, created_by=actor.user_id if actor is not None else None)
        db.session.add(row)
    row.is_working_day, row.holiday_name = bool(is_working_day), name
    after = day_kind(day, {**overrides, day: DayOverride(day, bool(is_working_day), name)})
    audit.record(
        "calendar.day_set",
        actor=actor,
        object_type="calendar_day",
        object_id=day.isoformat(),
        details={"before": before.kind, "after": after.kind, "is_working_day": bool(is_working_day), "name": name},
    )
    bump_version()  # every app server reads the calendar again
    _commit(day.year)
    return after.as_dict()


def year_view(year: int, actor: Principal | None = None) -> dict[str, Any]:
    """Every day of the year that is not an ordinary weekday/weekend, with where the calendar says so."""
    check_admin(actor)
    _check_year(year)
    overrides = load_overrides()
    entered = year in override_years(overrides)
    covered = package_covers(year) or entered
    days: list[dict[str, Any]] = []
    day = dt.date(year, 1, 1)
    while covered and day.year == year:
        info = day_kind(day, overrides)
        ordinary = info.holiday_name is None and info.is_working_day == (day.weekday() < 5)
        if not ordinary or day in overrides:
            days.append(info.as_dict())
        day += dt.timedelta(days=1)
    return {
        "year": year,
        "covered": covered,
        "package_covers": package_covers(year),
        "entered_days": sum(1 for d in overrides if d.year == year),
        "days": days,
    }
