"""Transaction helpers the HTTP layer may call without touching the session itself."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
from collections.abc import Callable, Iterator

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.errors import AppError, DatabaseUnavailable
from app.extensions import db
from app.platform import idempotency, pending_rows

log = logging.getLogger(__name__)


def rollback() -> None:
    """Discard whatever the failed request wrote but did not commit (never raises)."""
    try:
        db.session.rollback()
    except SQLAlchemyError as exc:  # a dead connection must not hide the original error
        log.warning("rollback failed: %s", type(exc).__name__)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the work just committed has really landed: now, or (a request whose commits the
    Idempotency-Key layer defers to its answer's) right after that one COMMIT. For sends started after a
    commit, whose jobs read the rows it wrote. Inside `one_transaction`: after the batch's one COMMIT, and only
    if the item that asked for it was kept."""
    batch = db.session().info.get(_BATCH)
    if batch is not None and batch.item is not None:
        batch.item.append(callback)
        return
    idempotency.after_work_commits(callback)


def separate_commits() -> contextlib.AbstractContextManager[None]:
    """Every commit inside is a real COMMIT, even in a request whose commits are deferred to its answer's (the
    items of a batch are each their own transaction, so one bad item never spoils the others)."""
    return idempotency.separate_commits()


_BATCH = "microcourt.one_transaction"


class Regroup(Exception):
    """Raised by a rollback inside `OneTransaction.group()`: the group's SAVEPOINT is rolled back (all its items),
    and the caller runs those items again, each in a SAVEPOINT of its own."""


@dataclasses.dataclass
class _Batch:
    callbacks: list[Callable[[], None]] = dataclasses.field(default_factory=list)  # of the items kept
    item: list[Callable[[], None]] | None = None  # the running item's, kept only if the item is
    broken: bool = False  # a rollback with no item SAVEPOINT open undid the whole transaction
    grouped: bool = False  # a group() is running: a rollback undoes the whole group and raises Regroup


class OneTransaction:
    """The handle `one_transaction` yields: `item()` runs one item in a SAVEPOINT of its own."""

    def __init__(self, session: Session, batch: _Batch) -> None:
        self._session, self._batch = session, batch

    @contextlib.contextmanager
    def item(self) -> Iterator[None]:
        """One item: its writes in a SAVEPOINT, released when it succeeds, rolled back (alone) when it raises."""
        batch = self._batch
        batch.item = []
        # Not the context-manager form: an item may roll its SAVEPOINT back itself (a raced key) and go on reading
        # (to replay the document the key already made) in the enclosing transaction.
        nested = self._session.begin_nested()
        try:
            try:
                yield
                if nested.is_active:
                    self._session.flush()  # what the item's commit left unflushed lands inside its SAVEPOINT
                    nested.commit()  # RELEASE SAVEPOINT
            except BaseException:
                if nested.is_active:
                    nested.rollback()
                raise
            batch.callbacks += batch.item
        finally:
            batch.item = None
            if batch.broken:
                raise DatabaseUnavailable(retry_after=1)

    @contextlib.contextmanager
    def group(self, *, first: tuple[type, ...] = ()) -> Iterator[None]:
        """Several items in ONE SAVEPOINT, for when they are expected to succeed: on PostgreSQL every SAVEPOINT that
        writes is a subtransaction, and past 64 in one transaction the backend's subtransaction cache overflows
        (every other session's snapshot then looks in pg_subtrans while the batch is open). Any rollback inside
        (an item refused after it wrote, a raced key) rolls back the whole group and raises `Regroup`; the caller
        then runs the group's items again with `item()`, so a bad item still rolls back alone.

        Inside, the items' commits do not flush: the group's rows are written at its end, one statement per table
        for all its items. Rows of the classes in `first` are flushed before the rest (these models declare no
        relationships, so the unit of work does not order tables by their foreign keys). Items must not read
        with autoflush meanwhile (run them under `no_autoflush`)."""
        batch = self._batch
        batch.item, batch.grouped = [], True
        nested = self._session.begin_nested()
        try:
            try:
                yield
                try:
                    _flush_in_order(self._session, first)
                except BaseException:
                    nested.rollback()  # a failed flush leaves the SAVEPOINT inactive, not yet rolled back
                    raise
                nested.commit()  # RELEASE SAVEPOINT
            except BaseException:
                if nested.is_active:
                    nested.rollback()
                raise
            batch.callbacks += batch.item
        finally:
            batch.item, batch.grouped = None, False
            if batch.broken:
                raise DatabaseUnavailable(retry_after=1)


def grouped() -> bool:
    """Whether the caller runs in `OneTransaction.group()`: its commit does not flush (the group's end does)."""
    batch = db.session().info.get(_BATCH)
    return batch is not None and batch.grouped


def _flush_in_order(session: Session, first: tuple[type, ...]) -> None:
    """Flush the rows of the classes in `first`, then the rest (the others are set aside while the first flush)."""
    rest = [row for row in session.new if not isinstance(row, first)] if first else []
    if rest and len(rest) < len(session.new):
        for row in rest:
            session.expunge(row)
        session.flush()  # a failure leaves the rest out: the caller rolls the group back and runs it again
        session.add_all(rest)
    session.flush()


@contextlib.contextmanager
def one_transaction() -> Iterator[OneTransaction]:
    """Many items (a batch) in ONE transaction and one COMMIT, each item in a SAVEPOINT of its own.

    Inside, `db.session.commit()` only flushes (the item's SAVEPOINT is released by `item()`, the transaction
    committed once when the block ends) and `db.session.rollback()` rolls back the running item's SAVEPOINT only,
    so a bad item undoes its own writes and never spoils the others (in a `group()` a commit does not even flush:
    the group's end does). Sends registered with `after_commit` start
    after the one COMMIT, and only for the items kept. At the end the block commits as the request would: a real
    COMMIT, or (Idempotency-Key) the request's deferred one, which lands the work together with its answer. If
    the block raises, nothing of it lands (the whole transaction is rolled back).
    """
    session = db.session()
    if session.info.get(_BATCH) is not None:
        raise RuntimeError("one_transaction does not nest")
    batch = _Batch()
    commit, rollback = session.commit, session.rollback  # the request's own (the deferred ones under a key)

    def item_rollback() -> None:
        nested = session.get_nested_transaction()
        if nested is not None:
            nested.rollback()
            if batch.grouped:  # the group's SAVEPOINT went, with the items before this one: nothing may go on
                in_flight = sys.exc_info()[1]
                if in_flight is not None and not isinstance(in_flight, AppError | IntegrityError):
                    raise in_flight  # a crash: the whole batch fails, as it would item by item
                raise Regroup  # a refusal or a raced key: the caller runs the group's items one by one
            return
        batch.broken = True  # no item open: only the whole transaction can be undone
        rollback()

    def item_commit() -> None:
        if not batch.grouped:  # a group's rows are flushed together at its end
            session.flush()
            pending_rows.write_waiting(session)  # rows queued without an ORM change: a clean flush skips them

    _begin_for_sqlite(session)
    session.info[_BATCH] = batch
    session.commit = item_commit  # type: ignore[method-assign]
    session.rollback = item_rollback  # type: ignore[method-assign]
    try:
        yield OneTransaction(session, batch)
    except BaseException:
        _restore(session, commit, rollback)
        session.info.pop(_BATCH, None)
        rollback()
        raise
    _restore(session, commit, rollback)
    session.info.pop(_BATCH, None)
    if batch.broken:
        raise DatabaseUnavailable(retry_after=1)
    commit()
    for callback in merged(batch.callbacks):
        idempotency.after_work_commits(callback)


def merged(callbacks: list[Callable[[], None]]) -> list[Callable[[], None]]:
    """The callbacks, with each run of neighbours of one type that has `merge(later)` made into one (the items of a
    batch each start their sends; merged, a batch of 100 documents enqueues a few jobs, not a hundred)."""
    out: list[Callable[[], None]] = []
    for callback in callbacks:
        before = out[-1] if out else None
        if before is not None and type(before) is type(callback) and hasattr(callback, "merge"):
            out[-1] = before.merge(callback)  # type: ignore[attr-defined]  # checked just above
        else:
            out.append(callback)
    return out


def _begin_for_sqlite(session: Session) -> None:
    """pysqlite opens its transaction lazily, at the first write: a SAVEPOINT sent before that opens one itself,
    and its RELEASE would COMMIT it (the item landing alone). Open the transaction first, as PostgreSQL has."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite" and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")


def _restore(session: Session, commit: Callable[[], None], rollback: Callable[[], None]) -> None:
    """Put the request's commit and rollback back (its own instance attributes, or the class's methods)."""
    for name, saved in (("commit", commit), ("rollback", rollback)):
        if getattr(saved, "__self__", None) is session and getattr(saved, "__func__", None) is getattr(
            type(session), name
        ):
            session.__dict__.pop(name, None)
        else:
            setattr(session, name, saved)
