"""What a filing writes, as plain rows in as few statements as the database allows (issue 18).

A new case, its parties, the filer's consents and the `case.filed` timeline entry are written with Core INSERTs
built once, not as ORM objects flushed one table at a time (building and flushing the objects cost more CPU than
the statements). On PostgreSQL they are one statement: data-modifying CTEs insert the case, the parties and the
consents, and the outer INSERT the timeline entry; the foreign keys are checked when the whole statement is done,
with the case in its table. SQLite has no data-modifying CTEs: one INSERT per table there (the parties, and the
consents, each one executemany), as the unit of work wrote them.

Afterwards the Case is in the session as if a flush had inserted it: persistent, every column loaded and nothing
expired (the answer reads no row again), and the mapper's `before_insert`/`after_insert` listeners (the statistics
upkeep) have run as the unit of work runs them. The parties and consents stay plain rows (`PartyRow`,
`ConsentRow`): nothing in the filing's transaction needs them as objects, and a later read finds them in the table.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import CTE, JSON, Table, Text, bindparam, func, insert, literal_column, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

from app.cases.models import Case, CaseConsent, CaseParty, TimelineEvent
from app.cases.timeline import Entry
from app.utils import clock


class PartyRow(NamedTuple):
    """A party as written: every column of `case_parties` (what CaseParty has, read the same way)."""

    id: uuid.UUID
    case_id: uuid.UUID
    role: str
    party_type: str
    name: str
    phone_enc: str | None
    phone_index: str | None
    id_number_enc: str | None
    id_number_index: str | None
    org_code: str | None
    address: str | None
    user_id: uuid.UUID | None
    joined_at: dt.datetime | None
    domicile_abroad: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ConsentRow(NamedTuple):
    """A consent as written: every column of `case_consents`."""

    id: uuid.UUID
    case_id: uuid.UUID
    party_id: uuid.UUID
    kind: str
    given: bool
    address: str | None
    address_confirmed: bool
    method: str
    recorded_by: uuid.UUID | None
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


_CASES = cast(Table, Case.__table__)
_PARTIES = cast(Table, CaseParty.__table__)
_CONSENTS = cast(Table, CaseConsent.__table__)
_TIMELINE = cast(Table, TimelineEvent.__table__)
CASE_KEYS = tuple(column.key for column in _CASES.columns)  # the filing sets every one of them on the Case
_ENTRY_KEYS = tuple(column.key for column in _TIMELINE.columns)

# SQLite: one statement per table, built once.
_CASE_INSERT, _PARTY_INSERT, _CONSENT_INSERT, _ENTRY_INSERT = (
    insert(table) for table in (_CASES, _PARTIES, _CONSENTS, _TIMELINE)
)


def _binds(table: Table, prefix: str) -> dict[str, Any]:
    return {column.key: bindparam(prefix + column.key, type_=column.type) for column in table.columns}


def _from_json(table: Table, fields: tuple[str, ...], name: str) -> CTE:
    """INSERT the rows given as one JSON array of objects (bound as `name`), typed by the table's row type."""
    rows = func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), sql_cast(bindparam(name, type_=Text()), JSON())
    ).table_valued(*fields, name=f"{name}_given")
    return insert(table).from_select(list(fields), select(*(rows.c[field] for field in fields))).cte(f"filed_{name}")


# PostgreSQL: everything in one statement, built once. The case and the entry as bound parameters (`c_<column>`,
# `t_<column>`), the parties and consents as one JSON array each (`parties`, `consents`; any number of rows in the
# same statement). Kept under psycopg's limits for caching a statement's conversion (4096 characters, 50
# parameters): above them psycopg parses the SQL again on every execution, which cost more than the INSERTs.
_TOGETHER = (
    insert(_TIMELINE)
    .values(_binds(_TIMELINE, "t_"))
    .add_cte(
        insert(_CASES).values(_binds(_CASES, "c_")).cte("filed_case"),
        _from_json(_PARTIES, PartyRow._fields, "parties"),
        _from_json(_CONSENTS, ConsentRow._fields, "consents"),
    )
)
_CASE_NAMES = tuple("c_" + key for key in CASE_KEYS)
_ENTRY_NAMES = tuple("t_" + key for key in _ENTRY_KEYS)


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return clock.as_utc(value).isoformat()  # naive refused, as UTCDateTime refuses it
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value of a plain row")


def _json_rows(rows: Sequence[PartyRow] | Sequence[ConsentRow]) -> str:
    return json.dumps([row._asdict() for row in rows], default=_json_value, ensure_ascii=False)


def write(
    session: Session, case: Case, parties: Sequence[PartyRow], consents: Sequence[ConsentRow], entry: Entry
) -> None:
    """Insert `case` (transient, every column set) with its parties, consents and timeline entry, and put the case
    into `session` as persistent."""
    state = instance_state(case)
    mapper = state.mapper
    connection = session.connection()
    mapper.dispatch.before_insert(mapper, connection, state)
    values = {key: state.dict[key] for key in CASE_KEYS}
    if connection.dialect.name == "postgresql":
        params = dict(zip(_CASE_NAMES, values.values(), strict=True))
        entry_values = entry.values()
        params.update(zip(_ENTRY_NAMES, (entry_values[key] for key in _ENTRY_KEYS), strict=True))
        params["parties"], params["consents"] = _json_rows(parties), _json_rows(consents)
        session.execute(_TOGETHER, params)
    else:
        session.execute(_CASE_INSERT, values)
        session.execute(_PARTY_INSERT, [party._asdict() for party in parties])
        if consents:
            session.execute(_CONSENT_INSERT, [consent._asdict() for consent in consents])
        session.execute(_ENTRY_INSERT, entry.values())
    make_transient_to_detached(case)  # every column set: none expired, nothing to read back
    session.add(case)
    mapper.dispatch.after_insert(mapper, connection, state)
