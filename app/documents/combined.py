"""PostgreSQL: a document's write and the rows that wait with it, in one statement (data-modifying CTEs, issue 18).

A single push INSERTs its document, its events, notification and document notification and the timeline entries
that wait then, and an act UPDATEs its document and INSERTs its events: one statement each, where each table was
one more (an executemany in pipeline mode at the COMMIT). A foreign key between them is checked at the end of the
statement, which sees every row it wrote. Each row is a single-row INSERT (a CTE) with typed parameters, which
SQLAlchemy builds once per shape and caches compiled; statements run through the session as any other, so the
Idempotency-Key layer sees the write. Rows whose values JSON carries as they are go as one JSON array per table
(json_populate_recordset: a few parameters for any number of rows, so a batch's group folds too). SQLite keeps one
statement per table.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Column,
    ColumnDefault,
    Insert,
    Select,
    Table,
    Text,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.audit import log as audit
from app.documents.models import DeliveryEvent, ServedDocument
from app.utils import clock

Rows = Sequence[tuple[Table, list[dict[str, Any]]]]  # (table, its rows), the first is the statement's own INSERT

_DOCUMENTS = cast(Table, ServedDocument.__table__)
_EVENTS = cast(Table, DeliveryEvent.__table__)


def applies(session: Session) -> bool:
    """True on PostgreSQL (SQLite has no data-modifying CTEs)."""
    return session.get_bind().dialect.name == "postgresql"


def unset(column: Column) -> tuple[Callable[[], object] | None, object]:
    """What the unit of work sends for a column whose attribute was never set: a callable default (the clock, a new
    id) called, a constant default, or None."""
    default = column.default
    if isinstance(default, ColumnDefault) and default.is_callable:
        return (lambda: default.arg(None)), None
    return None, default.arg if isinstance(default, ColumnDefault) and default.is_scalar else None


@functools.cache
def _columns(table: Table) -> list[tuple[str, Callable[[], object] | None, object, bool]]:
    """Each column's key, its default (`unset`) and whether a missing value may be sent as that default: not when
    only the server has a default (an executemany leaves such a column out; a VALUES list cannot)."""
    return [
        (column.key, *unset(column), column.server_default is None or column.default is not None)
        for column in table.columns
    ]


@functools.lru_cache(maxsize=128)
def plain_table(statement: Insert) -> Table | None:
    """The table of a statement that is `insert(table)` and nothing else (no VALUES, RETURNING or CTE), else None.
    Statements are built once at import: the answer is kept per statement."""
    table = cast(Table, statement.table)
    return table if statement.compare(insert(table)) else None


def _filled(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Every column of every row: a missing one gets its default as the unit of work would send it; None when a
    row lacks a column only the server defaults (the caller then writes as before)."""
    filled = []
    for row in rows:
        full = {}
        for key, make, constant, may_fill in _columns(table):
            if key in row:
                full[key] = row[key]
            elif not may_fill:
                return None
            else:
                full[key] = make() if make is not None else constant
        filled.append(full)
    return filled


def _row(table: Table, first: int) -> Insert:
    """INSERT INTO table VALUES (...): one row of every column, parameters p<first>, p<first + 1> ... in column
    order. One row per INSERT: SQLAlchemy caches a single-row VALUES, not a multi-row one (it would build and
    compile the statement at every execution). Short names keep a single push's statement under the length
    psycopg keeps the parsing of (3.3 kB)."""
    return insert(table).values(
        {column.key: bindparam(f"p{first + place}", type_=column.type) for place, column in enumerate(table.columns)}
    )


@functools.lru_cache(maxsize=256)
def _inserts(tables: tuple[Table, ...]) -> Insert:
    """WITH r1 AS (INSERT INTO <table of row 1> VALUES ...), ... INSERT INTO <table of row 0> VALUES ...: one
    statement per sequence of row tables, built once."""
    firsts, first = [], 0
    for table in tables:
        firsts.append(first)
        first += len(table.columns)
    statement = _row(tables[0], 0)
    ctes = [_row(table, firsts[number]).cte(f"r{number}") for number, table in enumerate(tables) if number]
    return statement.add_cte(*ctes) if ctes else statement


def _from_json(table: Table, name: str) -> Insert:
    """INSERT INTO table (every column) SELECT ... FROM json_populate_recordset(NULL::table, :name): the rows given as
    one JSON array of objects, typed by the table's row type."""
    keys = [column.key for column in table.columns]
    given = func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), sql_cast(bindparam(name, type_=Text()), JSON())
    ).table_valued(*keys, name=f"{name}_given")
    return insert(table).from_select(keys, select(*(given.c[key] for key in keys)))


@functools.lru_cache(maxsize=64)
def _inserts_json(tables: tuple[Table, ...]) -> Insert:
    """WITH j1 AS (INSERT ... FROM json_populate_recordset(..., :j1)), ... INSERT INTO <first table> ... :j0: one
    JSON array per table, so any number of rows in a statement of a few parameters (psycopg keeps its conversion of a
    statement of at most 50 parameters and 4096 characters; above, it parsed the SQL again at every execution)."""
    statement = _from_json(tables[0], "j0")
    ctes = [_from_json(table, f"j{number}").cte(f"j{number}") for number, table in enumerate(tables) if number]
    return statement.add_cte(*ctes) if ctes else statement


@functools.cache
def _json_columns(table: Table) -> frozenset[str]:
    return frozenset(column.key for column in table.columns if isinstance(column.type, JSON))


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return clock.as_utc(value).isoformat()  # naive refused, as UTCDateTime refuses it
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value of a plain row")


def _as_json(table: Table, rows: list[dict[str, Any]]) -> str | None:
    """The rows as one JSON array, or None when a value would not land as the INSERT would write it (a JSON column's
    None is JSON null for SQLAlchemy, SQL NULL from a record; a type JSON does not carry)."""
    for row in rows:
        for key in _json_columns(table):
            if row[key] is None:
                return None
    try:
        return json.dumps(rows, default=_json_value, ensure_ascii=False)
    except TypeError:
        return None


def insert_all(session: Session, rows: Rows, *, rows_as_ctes: bool = True) -> bool:
    """INSERT every table's rows in one statement (the first table's in the statement's own INSERT); False when a
    row cannot be sent in a VALUES list (nothing written: write as before). One JSON array per table where every
    value travels in JSON as it is, else one single-row INSERT (a CTE) per row (unless not `rows_as_ctes`: False)."""
    filled_rows = []
    for table, table_rows in rows:
        filled = _filled(table, table_rows)
        if filled is None:
            return False
        filled_rows.append((table, filled))
    arrays = [_as_json(table, filled) for table, filled in filled_rows]
    if all(array is not None for array in arrays):
        tables = tuple(table for table, _filled_rows in filled_rows)
        if len(set(tables)) == len(tables):
            session.execute(_inserts_json(tables), {f"j{number}": array for number, array in enumerate(arrays)})
            return True
    if not rows_as_ctes:
        return False
    params: dict[str, Any] = {}
    row_tables: list[Table] = []
    for table, filled in filled_rows:
        for row in filled:  # every column in table order (`_filled`): p0, p1 ... as `_row` names them
            for value in row.values():
                params[f"p{len(params)}"] = value
            row_tables.append(table)
    session.execute(_inserts(tuple(row_tables)), params)
    return True


@functools.lru_cache(maxsize=64)
def _update_with_events(
    keys: tuple[str, ...], count: int, extra: tuple[Table, ...] = (), audited: bool = False
) -> Insert:
    """WITH document AS (UPDATE served_documents SET <keys> WHERE id = :document_id RETURNING id) INSERT INTO
    delivery_events SELECT document.id, <the event's values> FROM document [UNION ALL ...] RETURNING seq: no event
    without the document's row, so it returns `count` rows only when the UPDATE matched it (the driver's rowcount
    of a statement with a RETURNING CTE is -1). `extra`: the table of each other row to insert with them, one
    single-row INSERT each (a CTE of its own: SQLAlchemy caches single-row VALUES, not multi-row ones). `audited`:
    with the waiting audit append, which advances its head only for the document's row (app/audit/log.py
    `carrying`: each returned row then ends with the head's last_seq and last_hash)."""
    changed = (
        update(_DOCUMENTS)
        .where(_DOCUMENTS.c.id == bindparam("document_id"))
        .values({key: bindparam(f"d_{key}", type_=_DOCUMENTS.c[key].type) for key in keys})
        .returning(_DOCUMENTS.c.id)
        .cte("document")
    )
    names = [column.key for column in _EVENTS.columns if column.key != "document_id"]
    selects: list[Select] = [
        select(changed.c.id, *(bindparam(f"e{row}_{name}", type_=_EVENTS.c[name].type) for name in names))
        for row in range(count)
    ]
    source = selects[0] if count == 1 else union_all(*selects)
    statement: Insert = insert(_EVENTS).from_select(["document_id", *names], source).returning(_EVENTS.c.seq)
    if audited:
        statement = audit.carrying(statement, changed)
    if not extra:
        return statement
    return statement.add_cte(
        *(
            insert(table)
            .values({column.key: bindparam(f"x{row}_{column.key}", type_=column.type) for column in table.columns})
            .cte(f"x{row}")
            for row, table in enumerate(extra)
        )
    )


EXTRA_ROWS = 4  # at most this many other rows go with an act's UPDATE (one CTE each); more are written as before


def update_with_events(
    session: Session, keys: tuple[str, ...], row: dict[str, Any], events: list[dict], extra: Rows = ()
) -> Rows:
    """UPDATE one document's changed columns (`row`: them and `document_id`) and INSERT its events in one
    statement, and with them the rows of `extra` (other tables' rows waiting to be written) up to EXTRA_ROWS and the
    audit append waiting to be carried (the act's: app/audit/log.py `record_carried`), which lands only with the
    document's row; StaleDataError when the UPDATE matched no row. Returns what of `extra` it did not write."""
    filled = _filled(_EVENTS, events)
    if filled is None:  # the events table has no server-only default: never
        raise ValueError("an event row lacks a column")
    params = {f"d_{key}": row[key] for key in keys}
    params["document_id"] = row["document_id"]
    for index, event in enumerate(filled):
        for key, value in event.items():
            if key != "document_id":
                params[f"e{index}_{key}"] = value
    tables: list[Table] = []
    left: list[tuple[Table, list[dict[str, Any]]]] = []
    for table, table_rows in extra:
        full = _filled(table, table_rows)
        if full is None or len(tables) + len(full) > EXTRA_ROWS:
            left.append((table, table_rows))
            continue
        for values in full:
            params.update({f"x{len(tables)}_{key}": value for key, value in values.items()})
            tables.append(table)
    carried = audit.take_carried(session)
    if carried is not None:
        params.update(carried.params)
    statement = _update_with_events(keys, len(events), tuple(tables), carried is not None)
    returned = session.execute(statement, params).all()
    if len(returned) != len(events):  # nothing written, the audit append neither (the flush fails: no COMMIT)
        raise StaleDataError(f"UPDATE of served document {row['document_id']} matched no row")
    if carried is not None:
        carried.settle(returned[0])
    return left
