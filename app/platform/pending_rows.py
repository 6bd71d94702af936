"""Rows a transaction appends, written as plain rows with Core INSERTs instead of ORM objects (issue 18).

An append-only row (a case's timeline entry) never needs the unit of work: building an ORM object and flushing
it costs more CPU than its INSERT. A domain queues such rows here (`add`: the statement, built once at import,
and the row) and they are written as the unit of work would have written ORM objects, in one INSERT per
statement (executemany) for all that wait:

- after every flush (`after_flush_postexec`), once the row's owner (an ORM object whose row it refers to, such
  as a case new in this session) is in the table; a rows-only session (nothing else changed) has no flush, so
  also before any statement that would autoflush (an ORM select or DML while autoflush is on), before a commit
  and a SAVEPOINT's release (`before_commit`), and where a commit only flushes (`write_waiting`: the
  Idempotency-Key layer's deferred commit, an item's commit in `one_transaction`);
- never after a rollback: a row queued inside a SAVEPOINT that is rolled back (or inside the transaction, when
  it is) is dropped, while one queued before that SAVEPOINT began still waits, as an ORM object would.

A queued row is any object with `values()` (its parameters, taken when it is written), so its recorder can still
change it until then (`waiting` tells whether it has been written).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.dml import Insert

_KEY = "microcourt.pending_rows"


class Row(Protocol):
    """A queued row: its INSERT parameters, read when it is written."""

    def values(self) -> dict[str, Any]: ...


class _Waiting:
    __slots__ = ("owner", "row", "savepoint", "statement")

    def __init__(self, statement: Insert, row: Row, owner: object, savepoint: SessionTransaction | None) -> None:
        self.statement, self.row, self.owner, self.savepoint = statement, row, owner, savepoint

    def ready(self) -> bool:
        return self.owner is None or instance_state(self.owner).has_identity


def add(session: Session, statement: Insert, row: Row, *, owner: object = None) -> None:
    """Queue `row` for `statement` in the session's transaction; `owner` (an ORM object) must be written first."""
    waiting = _Waiting(statement, row, owner, session.get_nested_transaction())
    queue = session.info.get(_KEY)
    if queue is None:
        session.info[_KEY] = [waiting]
    else:
        queue.append(waiting)


def waiting(session: Session, row: Row) -> bool:
    """Whether `row` is still queued (not written yet)."""
    return any(item.row is row for item in session.info.get(_KEY) or ())


def write_waiting(session: Session) -> None:
    """Write every queued row now (a flush first when an owner is not in the table yet)."""
    queue = session.info.get(_KEY)
    if not queue:
        return
    if not all(item.ready() for item in queue):
        session.flush()  # writes the owners, then (after_flush_postexec) the rows that wait for them
    _write(session, everything=True)


def discard_waiting(session: Session) -> None:
    """Forget every queued row (changes not flushed yet that a rollback to the last commit drops)."""
    session.info.pop(_KEY, None)


def take_ready(session: Session) -> list[tuple[Insert, list[dict[str, Any]]]]:
    """The queued rows whose owners are in the table, taken out of the queue with their parameters, one entry per
    statement: the caller writes them now, in a statement of its own (a document push's, on PostgreSQL)."""
    queue = session.info.get(_KEY)
    if not queue:
        return []
    ready: dict[Insert, list[dict[str, Any]]] = {}
    left = []
    for item in queue:
        if item.ready():
            ready.setdefault(item.statement, []).append(item.row.values())
        else:
            left.append(item)
    if left:
        session.info[_KEY] = left
    else:
        del session.info[_KEY]
    return list(ready.items())


def _write(session: Session, *, everything: bool = False) -> None:
    queue = session.info.get(_KEY)
    if not queue:
        return
    ready: list[_Waiting] = queue
    left: list[_Waiting] = []
    if not everything:
        ready = []
        for item in queue:
            (ready if item.ready() else left).append(item)
        if not ready:
            return
    if left:
        session.info[_KEY] = left
    else:
        del session.info[_KEY]  # before the INSERT: its own execution must not write the rows again
    statements: dict[Insert, list[dict[str, Any]]] = {}
    for item in ready:
        statements.setdefault(item.statement, []).append(item.row.values())
    for statement, rows in statements.items():
        session.execute(statement, rows)


@event.listens_for(Session, "after_flush_postexec")
def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    if session.info.get(_KEY):
        _write(session)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    """A statement that autoflushes (ORM, autoflush on) finds the rows written, as it would ORM objects."""
    session = state.session
    if (
        session.info.get(_KEY)
        and state.is_orm_statement
        and session.autoflush
        and not session._flushing
        and state.execution_options.get("autoflush", True)
        and (not state.is_select or state.load_options._autoflush)
    ):
        write_waiting(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_KEY):
        write_waiting(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    """Drop the rows queued inside what was rolled back: the SAVEPOINT (and those inside it), or everything."""
    queue = session.info.get(_KEY)
    if not queue:
        return
    boundary: SessionTransaction | None = previous
    while boundary is not None and not boundary.nested and boundary.parent is not None:
        boundary = boundary.parent  # a flush's own subtransaction rolls back what encloses it
    if boundary is None or not boundary.nested:
        del session.info[_KEY]
        return
    kept = [item for item in queue if not _inside(item.savepoint, boundary)]
    if kept:
        session.info[_KEY] = kept
    else:
        del session.info[_KEY]


def _inside(savepoint: SessionTransaction | None, boundary: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is boundary:
            return True
        savepoint = savepoint.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ends otherwise (a session closed without commit or rollback) leaves nothing queued."""
    if transaction.parent is None and session.info.get(_KEY):
        del session.info[_KEY]
