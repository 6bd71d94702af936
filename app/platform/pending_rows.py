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
change it until then (`waiting` tells whether it has been written); `Values` wraps a row given as a dict.

On PostgreSQL, rows waiting for more than one statement (a case's timeline entries with the agreement, the
signatures or the reminders the same request wrote) go out as ONE statement: each table's rows one multi-row
INSERT, the others as data-modifying CTEs of the last (`_combined`, built once per shape: which statements, how
many rows, which columns); psycopg's executemany (pipeline mode) per statement cost more CPU than the statement.
A queued UPDATE of a row that existed before (an agreement's effective_at) joins them as one more CTE. The parts
share one snapshot and none reads another's rows; foreign keys are checked at the statement's end, so a row may
refer to one written by another part of it. SQLite has no data-modifying CTEs: one statement each there, as before.

A queued write that is not a row (`Write`: the audit log's append, app/audit/log.py `record_carried`) waits in the
same queue, so it lands, or is dropped, where a row would (`add_write`). A statement that can carry it (a data-modifying
CTE of the write it records) takes it out of the queue first (`take_write`); one left waiting writes itself after the
rows, and before a commit or `write_waiting` the session is flushed first, so the write that flush makes can carry it.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, bindparam, event, insert, select, union_all
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.dml import Insert, Update

_KEY = "microcourt.pending_rows"
W = TypeVar("W")


class Row(Protocol):
    """A queued row: its INSERT parameters, read when it is written."""

    def values(self) -> dict[str, Any]: ...


class Values:
    """A queued row given as its INSERT (or UPDATE) parameters."""

    __slots__ = ("_row",)

    def __init__(self, row: dict[str, Any] | None = None, /, **more: Any) -> None:
        self._row = {**(row or {}), **more}

    def values(self) -> dict[str, Any]:
        return self._row


class Write(Protocol):
    """A queued write that is not a row of a table: it writes itself (`write`) unless a statement takes it first."""

    def write(self, session: Session) -> None: ...


class _Waiting:
    __slots__ = ("owner", "row", "savepoint", "statement")

    def __init__(
        self,
        statement: Insert | Update | None,
        row: Row | Write,
        owner: object,
        savepoint: SessionTransaction | None,
    ) -> None:
        self.statement, self.row, self.owner, self.savepoint = statement, row, owner, savepoint

    def ready(self) -> bool:
        return self.owner is None or instance_state(self.owner).has_identity


def add(session: Session, statement: Insert | Update, row: Row, *, owner: object = None) -> None:
    """Queue `row` for `statement` in the session's transaction; `owner` (an ORM object) must be written first.

    `statement`: an INSERT of a table without values (the row's keys are its columns), or an UPDATE of a row that
    exists before this write (not one waiting here: a CTE does not see another's rows) whose bound parameters are
    the row's keys and which sets every column itself (a CTE's UPDATE gets no onupdate default)."""
    _queue(session, _Waiting(statement, row, owner, session.get_nested_transaction()))


def add_write(session: Session, write: Write) -> None:
    """Queue `write` in the session's transaction: it is written after the rows waiting with it (`Write.write`) at
    the next point where they would be, unless a statement takes it first (`take_write`)."""
    _queue(session, _Waiting(None, write, None, session.get_nested_transaction()))


def _queue(session: Session, waiting: _Waiting) -> None:
    queue = session.info.get(_KEY)
    if queue is None:
        session.info[_KEY] = [waiting]
    else:
        queue.append(waiting)


def take_write(session: Session, kind: type[W]) -> W | None:
    """The first queued write of this kind, taken out of the queue (the caller writes it), or None."""
    queue = session.info.get(_KEY)
    if not queue:
        return None
    for place, item in enumerate(queue):
        if item.statement is None and isinstance(item.row, kind):
            del queue[place]
            if not queue:
                del session.info[_KEY]
            return item.row
    return None


def waiting(session: Session, row: Row) -> bool:
    """Whether `row` is still queued (not written yet)."""
    return any(item.row is row for item in session.info.get(_KEY) or ())


def write_waiting(session: Session) -> None:
    """Write every queued row now (a flush first when an owner is not in the table yet)."""
    queue = session.info.get(_KEY)
    if not queue:
        return
    if not all(item.ready() and item.statement is not None for item in queue):
        # writes the owners, then (after_flush_postexec) the rows that wait for them; a queued write may ride in a
        # statement of the flush (a document's UPDATE carries the audit append of its act)
        session.flush()
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
        if item.statement is not None and item.ready():
            ready.setdefault(item.statement, []).append(cast(Row, item.row).values())
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
    statements: dict[Insert | Update, list[dict[str, Any]]] = {}
    writes: list[Write] = []
    for item in ready:
        if item.statement is None:
            writes.append(cast(Write, item.row))
        else:
            statements.setdefault(item.statement, []).append(cast(Row, item.row).values())
    if len(statements) > 1 and session.get_bind().dialect.name == "postgresql":
        _write_combined(session, statements)
    else:
        for statement, rows in statements.items():
            session.execute(statement, rows)
    for write in writes:
        write.write(session)


def _write_combined(session: Session, statements: dict[Insert | Update, list[dict[str, Any]]]) -> None:
    """Every statement's rows in one statement (PostgreSQL; the rows of one statement have the same columns, as
    an executemany needs)."""
    shape = tuple((statement, tuple(rows[0]), len(rows)) for statement, rows in statements.items())
    built = _COMBINED[shape] if shape in _COMBINED else _combined(shape)
    if built is None:
        for statement, rows in statements.items():
            session.execute(statement, rows)
        return
    combined, names = built
    params: dict[str, Any] = {}
    for (_statement, keys, _count), rows, row_names in zip(shape, statements.values(), names, strict=True):
        for row, row_keys in zip(rows, row_names, strict=True):
            for key, name in zip(keys, row_keys, strict=True):
                params[name] = row[key]
    session.execute(combined, params)


_Shape = tuple[tuple[Insert | Update, tuple[str, ...], int], ...]  # per statement: its columns, how many rows
_Combined = tuple[Insert, list[list[tuple[str, ...]]]]
_COMBINED: dict[_Shape, _Combined | None] = {}


def _combined(shape: _Shape) -> _Combined | None:
    """One statement writing every statement's rows (PostgreSQL): an UPDATE as it is, each INSERT's rows as one
    INSERT, all but the last INSERT as CTEs of it; and the bound parameters' names, per statement and row (built
    once per shape and kept). None (each statement sent on its own) when there is no INSERT, an INSERT is not a
    plain INSERT of a table, a row leaves out a column with a default computed in Python (the rows are given whole
    here), an UPDATE has more than one row, or two parameters share a name."""
    inserts: list[Insert] = []
    updates: list[Update] = []
    names: list[list[tuple[str, ...]]] = []
    for n, (statement, keys, count) in enumerate(shape):
        if isinstance(statement, Update):
            if count != 1:
                return _remember(shape, None)
            updates.append(statement)
            names.append([keys])
            continue
        table = statement.table
        plain = isinstance(table, Table) and statement.compare(insert(table))
        if not plain or any(c.default is not None and c.key not in keys for c in table.c):
            return _remember(shape, None)
        row_names = [tuple(f"r{n}_{i}_{key}" for key in keys) for i in range(count)]
        rows = [
            [bindparam(name, type_=table.c[key].type).label(key) for key, name in zip(keys, row, strict=True)]
            for row in row_names
        ]
        if count == 1:
            inserts.append(insert(table).values({label.name: label.element for label in rows[0]}))
        else:  # INSERT ... SELECT ... UNION ALL SELECT ...: a multi-row VALUES of bound parameters is not cached
            inserts.append(insert(table).from_select(keys, union_all(*(select(*row) for row in rows))))
        names.append(row_names)
    every = [name for row_names in names for row in row_names for name in row]
    if not inserts or len(set(every)) != len(every):
        return _remember(shape, None)
    last = inserts[-1]
    for n, part in enumerate([*updates, *inserts[:-1]]):
        last = last.add_cte(part.cte(f"rows_{n}"))
    return _remember(shape, (last, names))


def _remember(shape: _Shape, built: _Combined | None) -> _Combined | None:
    if len(_COMBINED) >= 256:  # shapes are few (a request's kinds of rows); never unbounded
        _COMBINED.clear()
    _COMBINED[shape] = built
    return built


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
