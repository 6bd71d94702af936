"""The holiday overrides cached per process under the calendar's version: read again only when the version moved."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import event, insert, select, update

from app.extensions import db
from app.legal import calendar, calendar_admin
from app.legal.models import CalendarOverride, CalendarVersion
from app.utils.ids import new_id

D = dt.date
HOLIDAYS = [{"day": "2031-01-01", "name": "元旦"}]


@contextlib.contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(conn, cursor, sql, parameters, context, executemany) -> None:
        statements.append(sql)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def fresh() -> dict:
    """load_overrides in a transaction of its own (as the next request would)."""
    db.session.rollback()
    return calendar.load_overrides()


def test_a_warm_process_reads_only_the_version_and_none_once_seen(app):
    calendar_admin.import_year(2031, HOLIDAYS, [], actor=None)
    assert D(2031, 1, 1) in fresh()
    with counting() as statements:
        assert D(2031, 1, 1) in fresh()
    assert len(statements) == 1 and "calendar_overrides" not in statements[0], statements
    db.session.rollback()
    calendar.saw_version(db.session.scalar(select(calendar.version_column())))  # a request's own statement read it
    with counting() as statements:
        assert D(2031, 1, 1) in calendar.load_overrides()
        assert D(2031, 1, 1) in calendar.load_overrides()
    assert statements == []


def test_an_admin_write_raises_the_version_and_every_server_reads_again(app):
    assert fresh() == {}
    before = db.session.get(CalendarVersion, 1)
    start = before.version if before else 0
    calendar_admin.import_year(2031, HOLIDAYS, [], actor=None)
    assert db.session.get(CalendarVersion, 1).version > start
    assert D(2031, 1, 1) in fresh()
    calendar_admin.set_day(D(2031, 1, 1), True, None, actor=None)
    assert fresh()[D(2031, 1, 1)].is_working_day


def test_a_change_committed_elsewhere_is_seen_at_the_next_request(app):
    assert fresh() == {}
    with db.engine.begin() as other:  # another app server's transaction
        other.execute(
            insert(CalendarOverride).values(
                id=new_id(), day=D(2031, 1, 1), is_working_day=False, holiday_name="元旦", note=""
            )
        )
        if other.execute(update(CalendarVersion).values(version=CalendarVersion.version + 1)).rowcount == 0:
            other.execute(insert(CalendarVersion).values(id=1, version=1))
    assert D(2031, 1, 1) in fresh()


def test_an_uncommitted_write_never_reaches_the_cache(app):
    assert fresh() == {}
    db.session.add(CalendarOverride(day=D(2031, 1, 1), is_working_day=False, holiday_name="元旦"))
    db.session.flush()  # raises the version in this transaction
    assert D(2031, 1, 1) in calendar.load_overrides()  # the transaction sees its own write
    db.session.rollback()
    assert fresh() == {}
