"""Daily statistics summary: per-day counts rolled up from `cases`, and which days are summarised.

A day is summarised (rolled, app/statistics/rollup.py) only once it is over in Asia/Shanghai.
A past day's figures still change when a counted column of one of its cases changes afterwards (today: a
court's dispute gets its organisation when a mediator is chosen, days after filing). The listeners in
app/statistics/upkeep.py keep rolled days exact then, in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin

GRAINS = ("total", "court", "org")
COUNTS = ("filings", "filed_off_hours", "filed_known_hours", "settled", "failed", "concluded_on_working_days")
Key = tuple[dt.date, str, uuid.UUID | None, uuid.UUID | None, str]  # day, grain, court_id, org_id, kind


def row_keys(day: dt.date, court_id: uuid.UUID | None, org_id: uuid.UUID | None, kind: str) -> list[Key]:
    """The rows a case of this day, court, organisation and kind is counted in."""
    keys: list[Key] = [(day, "total", None, None, kind)]
    if court_id is not None:
        keys.append((day, "court", court_id, None, kind))
    if org_id is not None:
        keys.append((day, "org", None, org_id, kind))
    return keys


class StatsDaily(IdMixin, Model):
    """One Asia/Shanghai day's counts of one kind of case: platform-wide, for one court, or for one organisation.

    grain 'total': court_id and org_id None, every case of the day. grain 'court': the cases of court_id
    (org_id None). grain 'org': the cases of org_id (court_id None). So national, court and organisation
    figures each read at most two rows a day (a row per court-and-organisation pair would be nearly a row
    per case at national scale: most of the 30,000 organisations see a case or two a day).
    Filing counts are by submitted day; conclusion counts by concluded day and for mediations only, as the
    live queries in app/statistics/figures.py count them. Several rows of one key may exist (they add up).
    Derived data, rebuilt from `cases` at will: no foreign keys.
    """

    __tablename__ = "stats_daily"
    __table_args__ = (
        Index(None, "grain", "day"),
        Index(None, "court_id", "day"),
        Index(None, "org_id", "day"),
    )

    day: Mapped[dt.date] = mapped_column(Date)
    grain: Mapped[str] = mapped_column(String(8))
    court_id: Mapped[uuid.UUID | None]
    org_id: Mapped[uuid.UUID | None]
    kind: Mapped[str] = mapped_column(String(16))
    filings: Mapped[int] = mapped_column(Integer, default=0)
    filed_off_hours: Mapped[int] = mapped_column(Integer, default=0)
    filed_known_hours: Mapped[int] = mapped_column(Integer, default=0)
    settled: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    concluded_on_working_days: Mapped[int] = mapped_column(Integer, default=0)


def daily_table() -> Table:
    """stats_daily as a Core Table, for batched inserts and updates (the ORM types __table__ as any FROM clause)."""
    table = StatsDaily.__table__
    assert isinstance(table, Table)  # a model declared with __tablename__ maps a Table
    return table


class StatsDayRolled(Model):
    """A day whose stats_daily rows are complete; cases_seen = filings + mediation conclusions at the roll."""

    __tablename__ = "stats_days_rolled"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[dt.datetime]
    cases_seen: Mapped[int] = mapped_column(Integer)
