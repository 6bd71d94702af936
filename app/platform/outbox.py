"""One outbox engine: rows are the source of truth; a worker claims a row with a lease, tries once, and
either finishes it, gives up, or puts it back for a later attempt after exponential backoff with jitter.

A channel plugs in by describing its table with an `Outbox` (which status waits, which status a claimed row
carries, the lease length, the names of its attempts / error / due columns) and by writing the send itself:
claim -> send -> `finish` or `retry_later`. The sweep (`sweep_ids`) finds rows whose job was lost: waiting
rows that are due (and older than a grace time) and claimed rows whose lease has run out (a worker died).
The lease is the claim time plus `lease_seconds()`: a claim older than that may be taken over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, or_, select, update

from app.extensions import db
from app.utils import clock


class OutboxRow(Protocol):
    """The columns every outbox table has under these names (the others are named in its `Outbox`)."""

    id: uuid.UUID
    status: str
    created_at: dt.datetime


Row = TypeVar("Row", bound=OutboxRow)
ERROR_LENGTH = 255


def backoff_seconds(attempts: int, *, base: float, cap: float | None = None, jitter: bool = True) -> float:
    """Delay before the next attempt after `attempts` tries: base * 2^(attempts-1), capped, then jittered.

    The jitter is "full jitter bounded below": a uniform factor in [0.5, 1.0], so retries of many rows spread
    out while none comes back sooner than half the nominal delay.
    """
    delay = base * 2 ** max(attempts - 1, 0)
    if cap is not None:
        delay = min(delay, cap)
    return delay * random.uniform(0.5, 1.0) if jitter else delay


def gave_up(
    *,
    attempts: int,
    max_attempts: int | None = None,
    created_at: dt.datetime | None = None,
    window: dt.timedelta | None = None,
) -> bool:
    """True when a row has used its attempts or its retry window (either limit may be absent)."""
    if max_attempts is not None and attempts >= max_attempts:
        return True
    return window is not None and created_at is not None and clock.now() - created_at >= window


@dataclasses.dataclass(frozen=True)
class Outbox(Generic[Row]):
    """How the engine reads one channel's table (every column named here must exist on `model`)."""

    model: type[Row]
    waiting: str  # status of a row waiting for an attempt
    lease_seconds: Callable[[], float]  # how long a claim holds the row before another worker may take it
    leased: str | None = None  # status while claimed (None: the claim time alone marks the claim)
    attempts: str = "attempts"
    error: str = "last_error"
    claimed_at: str = "claimed_at"
    due: str | None = None  # the next-attempt time column (None: a waiting row is always due)

    def _col(self, name: str) -> Any:
        return getattr(self.model, name)

    def _lease_free(self, now: dt.datetime) -> ColumnElement[bool]:
        claimed = self._col(self.claimed_at)
        stale = now - dt.timedelta(seconds=self.lease_seconds())
        return or_(claimed.is_(None), claimed < stale)

    def _expired_claim(self, now: dt.datetime) -> ColumnElement[bool] | None:
        if self.leased is None:
            return None
        stale = now - dt.timedelta(seconds=self.lease_seconds())
        return and_(self._col("status") == self.leased, self._col(self.claimed_at) < stale)

    def _due_waiting(self, now: dt.datetime, *, waited: dt.timedelta | None = None) -> ColumnElement[bool]:
        conditions = [self._col("status") == self.waiting, self._lease_free(now)]
        if self.due is not None:
            conditions.append(self._col(self.due) <= now)
        if waited is not None:
            conditions.append(self._col("created_at") <= now - waited)
        return and_(*conditions)

    def claimable(self, now: dt.datetime, *, waited: dt.timedelta | None = None) -> ColumnElement[bool]:
        """Rows a worker may take now: due waiting rows no one holds, and claims whose lease ran out."""
        expired = self._expired_claim(now)
        due = self._due_waiting(now, waited=waited)
        return due if expired is None else or_(due, expired)

    def claim(self, row_id: uuid.UUID) -> Row | None:
        """Take the row for this worker (one atomic UPDATE, committed), counting an attempt; None if not ours."""
        now = clock.now()
        values: dict[str, Any] = {self.claimed_at: now, self.attempts: self._col(self.attempts) + 1}
        if self.leased is not None:
            values["status"] = self.leased
        result = db.session.execute(
            update(self.model)
            .where(self._col("id") == row_id, self.claimable(now))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; Session.execute is typed as Result
            return None
        return db.session.get(self.model, row_id, populate_existing=True)

    def finish(self, row: Row, status: str, *, error: str | None = None) -> None:
        """Set the row's final (or next) status and its error, cut to the column; the caller commits."""
        row.status = status
        setattr(row, self.error, (error or None) and error[:ERROR_LENGTH])

    def retry_later(self, row: Row, *, delay_seconds: float, error: str | None) -> None:
        """Put the row back to wait `delay_seconds` (the claim is released at once); the caller commits."""
        self.finish(row, self.waiting, error=error)
        setattr(row, self.claimed_at, None)
        if self.due is not None:
            setattr(row, self.due, clock.now() + dt.timedelta(seconds=delay_seconds))

    def sweep_ids(self, *, limit: int, waited: dt.timedelta | None = None) -> list[uuid.UUID]:
        """Rows whose job was lost: waiting rows due (and older than `waited`), and claims past their lease."""
        order = self._col(self.due) if self.due is not None else self._col("created_at")
        query = select(self._col("id")).where(self.claimable(clock.now(), waited=waited))
        return list(db.session.scalars(query.order_by(order).limit(limit)))
