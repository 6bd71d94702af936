"""The daily statistics summary: roll past Asia/Shanghai days of `cases` into stats_daily, and read it back.

Statistics (app/statistics/figures.py) sum rolled days from stats_daily and count every other day live
from `cases`, so a day that is never rolled is only slower, never wrong. Past days stay exact after the
roll: cases.submitted_at and concluded_at are stamped once with the current time (filing, conclusion),
and later changes to a past day's cases are applied by app/statistics/upkeep.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import and_, delete, func, insert, select

from app.cases import Case
from app.errors import ValidationFailed
from app.extensions import db
from app.statistics.models import COUNTS, GRAINS, Key, StatsDaily, StatsDayRolled, daily_table, row_keys
from app.statistics.upkeep import day_of, lock_day
from app.utils import clock
from app.utils.ids import new_id

ROLLUP_WINDOW_DAYS = 400
# A day is rolled only this long after it ends, so that a filing stamped just before midnight has committed.
SETTLE = dt.timedelta(minutes=5)
FILING_FIGURES = ("cases", "disputes", "litigation", "off_hours", "known_hours")
CONCLUSION_FIGURES = ("settled", "failed", "on_working_days")


@dataclass(frozen=True)
class Rollup:
    """What a roll-up did: days summarised, summary rows written, days asked for that are not over yet."""

    days: int = 0
    rows: int = 0
    not_over: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts, for the Celery result and logs."""
        return asdict(self)


def utc_span(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the Asia/Shanghai days first..last."""
    start = dt.datetime.combine(first, dt.time(), clock.SHANGHAI).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), clock.SHANGHAI).astimezone(dt.UTC)
    return start, end


def last_rollable_day() -> dt.date:
    """The latest day that may be rolled: yesterday, once today is SETTLE old."""
    return (clock.now_shanghai() - SETTLE).date() - dt.timedelta(days=1)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _count_day(day: dt.date) -> tuple[list[dict], int]:
    """The day's rows (filings by submitted day, mediation conclusions by concluded day) and the cases seen."""
    start, end = utc_span(day, day)
    venue = (Case.court_id, Case.org_id, Case.kind)
    filings = select(
        *venue,
        func.count().label("filings"),
        func.count().filter(Case.filed_off_hours.is_(True)).label("filed_off_hours"),
        func.count().filter(Case.filed_off_hours.is_not(None)).label("filed_known_hours"),
    ).where(Case.submitted_at >= start, Case.submitted_at < end)
    conclusions = select(
        *venue,
        func.count().label("concluded"),
        func.count().filter(Case.outcome == "settled").label("settled"),
        func.count().filter(Case.outcome == "failed").label("failed"),
        func.count().filter(Case.concluded_on_working_day.is_(True)).label("concluded_on_working_days"),
    ).where(Case.concluded_at >= start, Case.concluded_at < end, Case.kind == "mediation")
    rows: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    seen = 0
    for query, counted in ((filings, "filings"), (conclusions, "concluded")):
        names = [column.key for column in query.selected_columns if column.key in COUNTS]
        for found in db.session.execute(query.group_by(*venue)).mappings():
            seen += found[counted]
            counts = [(name, found[name]) for name in names]
            for key in row_keys(day, found["court_id"], found["org_id"], found["kind"]):
                row = rows[key]
                for name, value in counts:
                    row[name] += value
    keys = ("day", "grain", "court_id", "org_id", "kind")
    return [{"id": new_id(), **dict(zip(keys, key, strict=True)), **counts} for key, counts in rows.items()], seen


def rollup_day(day: dt.date, *, unless_rolled: bool = False) -> int | None:
    """(Re)compute one past day's summary from `cases` in one transaction; returns the rows written.

    unless_rolled: leave a day that is rolled by the time its lock is held (an overlapping run did it): None.
    """
    if day > last_rollable_day():
        raise ValidationFailed(errors={"day": ["Only days that are over in Asia/Shanghai can be summarised."]})
    lock_day(db.session.connection(), day)
    if unless_rolled and db.session.get(StatsDayRolled, day, populate_existing=True) is not None:
        db.session.commit()
        return None
    # The first statement writes, so that on SQLite this transaction holds the write lock before it reads.
    db.session.execute(delete(StatsDayRolled).where(StatsDayRolled.day == day))
    db.session.execute(delete(StatsDaily).where(StatsDaily.grain.in_(GRAINS), StatsDaily.day == day))
    rows, seen = _count_day(day)
    if rows:
        db.session.execute(insert(daily_table()), rows)  # Core executemany: batched, not row by row
    db.session.add(StatsDayRolled(day=day, rolled_at=clock.now(), cases_seen=seen))
    db.session.commit()
    return len(rows)


def rollup_range(first: dt.date, last: dt.date) -> Rollup:
    """Re-roll every day from first to last that is over (rolled or not), e.g. after a data load."""
    if first > last:
        raise ValidationFailed(errors={"from": ["from must not be after to."]})
    end = min(last, last_rollable_day())
    days = _days(first, end) if first <= end else []
    rows = sum(rollup_day(day) or 0 for day in days)
    return Rollup(days=len(days), rows=rows, not_over=(last - first).days + 1 - len(days))


def rollup_missing(max_days: int = ROLLUP_WINDOW_DAYS) -> Rollup:
    """Roll every unrolled day of the last max_days that are over, from the first filing on (the beat task)."""
    last = last_rollable_day()
    earliest = db.session.scalar(select(func.min(Case.submitted_at)))
    if earliest is None or max_days < 1:
        return Rollup()
    first = max(last - dt.timedelta(days=max_days - 1), day_of(earliest))
    if first > last:
        return Rollup()
    rolled = set(db.session.scalars(select(StatsDayRolled.day).where(StatsDayRolled.day.between(first, last))))
    done = [rollup_day(day, unless_rolled=True) for day in _days(first, last) if day not in rolled]
    return Rollup(days=sum(rows is not None for rows in done), rows=sum(rows or 0 for rows in done))


def summed(
    first: dt.date, last: dt.date, court_id: uuid.UUID | None, org_id: uuid.UUID | None
) -> tuple[set[dt.date], dict[str, int], dict[str, int]]:
    """The rolled past days in [first, last] and their filing and conclusion figures, in one statement.

    A court and an organisation together is not summarised (no caller asks): no day counts as rolled then.
    """
    totals = dict.fromkeys((*FILING_FIGURES, *CONCLUSION_FIGURES), 0)
    if court_id is not None and org_id is not None:
        return set(), dict.fromkeys(FILING_FIGURES, 0), dict.fromkeys(CONCLUSION_FIGURES, 0)
    last = min(last, clock.now_shanghai().date() - dt.timedelta(days=1))
    rolled, daily = StatsDayRolled, StatsDaily
    # Only court rows carry a court_id and only org rows an org_id: no grain test there, so PostgreSQL reads
    # the (court_id, day) index alone instead of ANDing it with millions of (grain, day) entries (150 ms).
    if court_id is not None:
        on = [daily.court_id == court_id]
    elif org_id is not None:
        on = [daily.org_id == org_id]
    else:
        on = [daily.grain == "total"]
    sums = {
        "cases": func.sum(daily.filings),
        "disputes": func.sum(daily.filings).filter(daily.kind == "mediation"),
        "litigation": func.sum(daily.filings).filter(daily.kind == "litigation"),
        "off_hours": func.sum(daily.filed_off_hours),
        "known_hours": func.sum(daily.filed_known_hours),
        "settled": func.sum(daily.settled),
        "failed": func.sum(daily.failed),
        "on_working_days": func.sum(daily.concluded_on_working_days),
    }
    query = (
        select(rolled.day, *(value.label(name) for name, value in sums.items()))
        .select_from(rolled)
        .outerjoin(daily, and_(daily.day == rolled.day, *on))
        .where(rolled.day >= first, rolled.day <= last)
        .group_by(rolled.day)
    )
    days: set[dt.date] = set()
    for row in db.session.execute(query).mappings():
        days.add(row["day"])
        for name in sums:
            totals[name] += int(row[name] or 0)
    return days, {n: totals[n] for n in FILING_FIGURES}, {n: totals[n] for n in CONCLUSION_FIGURES}
