"""The outbox engine on a table of its own: claims and leases, backoff with jitter, giving up, the sweep, and
concurrent claimers (on PostgreSQL, where workers really race)."""

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from app.extensions import db
from app.platform import outbox
from app.platform.db import IdMixin, TimestampMixin, UTCDateTime
from app.platform.outbox import Outbox, backoff_seconds, gave_up
from app.utils import clock as clock_module
from tests.conftest import is_postgres

LEASE = 60.0


class _Base(DeclarativeBase):
    """Not the app's metadata: the migrations test must not see this table."""

    registry = registry(metadata=MetaData(), type_annotation_map={dt.datetime: UTCDateTime(), uuid.UUID: Uuid()})


class Row(IdMixin, TimestampMixin, _Base):
    __tablename__ = "outbox_engine_test_rows"

    status: Mapped[str] = mapped_column(String(16), default="waiting")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[dt.datetime | None]
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))


# Like webhooks: a claim leaves the status alone, the row waits for its next attempt time.
DUE = Outbox(model=Row, waiting="waiting", lease_seconds=lambda: LEASE, due="next_attempt_at")
# Like notifications: a claimed row is `working` until it finishes.
LEASED = Outbox(model=Row, waiting="waiting", leased="working", lease_seconds=lambda: LEASE)


@pytest.fixture
def table(app):
    _Base.metadata.create_all(db.engine)
    yield
    db.session.remove()
    _Base.metadata.drop_all(db.engine)


def add(n=1, **values) -> list[uuid.UUID]:
    rows = [Row(next_attempt_at=clock_module.now(), **values) for _ in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def test_a_claim_holds_the_row_until_its_lease_runs_out(table, clock):
    [row_id] = add()
    row = DUE.claim(row_id)
    assert row is not None and row.attempts == 1 and row.claimed_at == clock()
    assert DUE.claim(row_id) is None  # a live claim is not taken
    clock.advance(seconds=LEASE - 1)
    assert DUE.claim(row_id) is None and DUE.sweep_ids(limit=10) == []
    clock.advance(seconds=2)  # the worker died: its lease ran out
    assert DUE.sweep_ids(limit=10) == [row_id]
    again = DUE.claim(row_id)
    assert again is not None and again.attempts == 2


def test_a_leased_status_marks_the_claim_and_expires_with_it(table, clock):
    [row_id] = add()
    assert LEASED.claim(row_id).status == "working"
    assert LEASED.claim(row_id) is None
    clock.advance(seconds=LEASE + 1)
    assert LEASED.sweep_ids(limit=10) == [row_id]
    assert LEASED.claim(row_id).attempts == 2
    row = db.session.get(Row, row_id)
    LEASED.finish(row, "done")
    db.session.commit()
    clock.advance(days=1)
    assert LEASED.claim(row_id) is None and LEASED.sweep_ids(limit=10) == []  # finished rows are never claimed


def test_retry_later_releases_the_claim_and_waits_for_the_backoff(table, clock):
    [row_id] = add()
    row = DUE.claim(row_id)
    DUE.retry_later(row, delay_seconds=30, error="x" * 300)
    db.session.commit()
    row = db.session.get(Row, row_id)
    assert (row.status, row.claimed_at, len(row.last_error)) == ("waiting", None, 255)
    assert row.next_attempt_at == clock() + dt.timedelta(seconds=30)
    assert DUE.claim(row_id) is None and DUE.sweep_ids(limit=10) == []  # not due yet
    clock.advance(seconds=30)
    assert DUE.sweep_ids(limit=10) == [row_id] and DUE.claim(row_id).attempts == 2


def test_backoff_doubles_up_to_the_cap_with_jitter_between_half_and_all_of_it():
    nominal = [min(2 * 2 ** (n - 1), 60) for n in range(1, 9)]
    assert [backoff_seconds(n, base=2, cap=60, jitter=False) for n in range(1, 9)] == nominal
    assert backoff_seconds(0, base=30, jitter=False) == 30  # the first attempt never waits less than base
    for attempts, full in enumerate(nominal, start=1):
        samples = [backoff_seconds(attempts, base=2, cap=60) for _ in range(200)]
        assert all(full / 2 <= s <= full for s in samples)
        assert max(samples) - min(samples) > full / 10  # really spread out, not one fixed delay


def test_backoff_jitter_bounds_are_exact(monkeypatch):
    monkeypatch.setattr(outbox.random, "uniform", lambda low, high: low)
    assert backoff_seconds(3, base=30, cap=3600) == 60
    monkeypatch.setattr(outbox.random, "uniform", lambda low, high: high)
    assert backoff_seconds(20, base=30, cap=3600) == 3600


def test_giving_up_after_max_attempts_or_the_window(clock):
    assert not gave_up(attempts=4, max_attempts=5)
    assert gave_up(attempts=5, max_attempts=5)
    created = clock()
    window = dt.timedelta(hours=72)
    assert not gave_up(attempts=50, created_at=created, window=window)
    clock.advance(hours=72)
    assert gave_up(attempts=1, created_at=created, window=window)
    assert not gave_up(attempts=99)  # no limit given: never


def test_the_sweep_waits_out_the_grace_and_orders_by_due_time(table, clock):
    first, second = add(2)
    db.session.get(Row, first).next_attempt_at = clock() + dt.timedelta(seconds=5)
    db.session.commit()
    grace = dt.timedelta(seconds=60)
    assert LEASED.sweep_ids(limit=10, waited=grace) == []  # their own jobs may still be on the way
    clock.advance(seconds=61)
    assert set(LEASED.sweep_ids(limit=10, waited=grace)) == {first, second}
    assert DUE.sweep_ids(limit=10) == [second, first]  # the earliest due first
    assert DUE.sweep_ids(limit=1) == [second]


def _race(app, work, threads: int = 8) -> list:
    barrier = threading.Barrier(threads)
    results: list = []

    def run():
        with app.app_context():
            barrier.wait()
            results.append(work())
            db.session.remove()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
def test_concurrent_claimers_take_each_row_once(app, table, clock, database_url):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite serialises every writer on one file lock, so claims cannot race there")
    [row_id] = add()
    winners = _race(app, lambda: LEASED.claim(row_id) is not None)
    assert sorted(winners) == [False] * 7 + [True]
    ids = add(40)

    def drain() -> list[uuid.UUID]:
        mine = []
        for candidate in DUE.sweep_ids(limit=100):
            if DUE.claim(candidate) is not None:
                mine.append(candidate)
        return mine

    claimed = [row for batch in _race(app, drain) for row in batch]
    assert sorted(claimed) == sorted(ids)  # every row claimed, none twice
    db.session.expire_all()
    assert {db.session.get(Row, row).attempts for row in ids} == {1}
