"""The evidence log of a document: append-only events, each hash-chained to the previous one, and its verifier.

hash = SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the document id, the document's
SHA-256, seq, type, server time, actor and data, and the previous event's hash (64 zeros for the first).
Changing, removing or reordering any event, or the document's recorded SHA-256, breaks the chain there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, Insert, Row, Select, Table, bindparam, insert, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import InstanceState, Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.exc import StaleDataError

from app.documents import combined
from app.documents.models import EVENT_TYPES, DeliveryEvent, ServedDocument
from app.extensions import db
from app.platform import pending_rows
from app.security.permissions import Principal
from app.utils import clock
from app.utils.ids import new_id

GENESIS = "0" * 64


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who caused an event, as the evidence log records it (never a phone number or name)."""

    kind: str  # system | user | machine
    id: str | None
    role: str  # system | recipient | agent | clerk | court_system | ...

    @classmethod
    def of(cls, principal: Principal | None, role: str) -> Actor:
        """The actor for a principal (None: the platform itself)."""
        if principal is None:
            return SYSTEM
        return cls(kind=principal.kind, id=principal.subject, role=role)


SYSTEM = Actor(kind="system", id=None, role="system")


def canonical(document_id: str, document_sha256: str, fields: dict) -> bytes:
    """The exact bytes an event's hash covers."""
    body = {"document_id": document_id, "document_sha256": document_sha256, **fields}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclasses.dataclass(slots=True)
class Appended:
    """An event `append` wrote this transaction: the row's values (DeliveryEvent's columns), not an ORM object."""

    id: uuid.UUID
    document_id: uuid.UUID
    seq: int
    type: str
    at: dt.datetime
    actor_kind: str
    actor_id: str | None
    actor_role: str
    data: dict
    prev_hash: str
    hash: str


Event = DeliveryEvent | Appended  # an event read from the table, or one appended in this transaction


def _fields(event: Event) -> dict:
    return {
        "seq": event.seq,
        "type": event.type,
        "at": clock.as_utc(event.at).isoformat(),
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "data": event.data or {},
        "prev_hash": event.prev_hash,
    }


def compute_hash(document: ServedDocument, event: Event) -> str:
    """The hash an event must carry."""
    return hashlib.sha256(canonical(str(document.id), document.sha256, _fields(event))).hexdigest()


def lock_document(document_id: object, *, skip_locked: bool = False) -> ServedDocument | None:
    """The document row, read fresh and locked for this transaction: the chain's head can only move under it.

    PostgreSQL locks the row (SELECT ... FOR UPDATE). SQLite has no row locks and ignores FOR UPDATE, and a
    read taken before the transaction's first write may be stale by the time it writes: two opens would
    both read seq n and both append seq n + 1. So on SQLite the transaction takes the database's write lock
    first (BEGIN IMMEDIATE, waiting up to the busy timeout) and reads the row after it, as the audit chain
    does with its upsert-first head. A transaction that has already written holds that lock since its first
    write (the driver only opens transactions on writes), so it reads fresh rows as it is.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        _sqlite_write_lock()
    query = _LOCK_SKIPPING if skip_locked else _LOCK
    return db.session.scalar(query, {"document_id": document_id})


# Built once per process with bound parameters, not per call (building a statement costs about what running it does).
_LOCK = (
    select(ServedDocument)
    .where(ServedDocument.id == bindparam("document_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_LOCK_SKIPPING = (
    select(ServedDocument)
    .where(ServedDocument.id == bindparam("document_id"))
    .with_for_update(skip_locked=True)
    .execution_options(populate_existing=True)
)
# The same lock, with the document's events in chain order (one row per event; FOR UPDATE OF the document only):
# what an answer lists of them, as columns (issue 18: loading each event as an object cost more than reading it).
_LOCK_WITH_EVENTS = (
    select(ServedDocument, DeliveryEvent.seq, DeliveryEvent.type, DeliveryEvent.at)
    .outerjoin(DeliveryEvent, DeliveryEvent.document_id == ServedDocument.id)
    .where(ServedDocument.id == bindparam("document_id"))
    .order_by(DeliveryEvent.seq)
    .with_for_update(of=ServedDocument)
    .execution_options(populate_existing=True)
)
_EVENTS = select(DeliveryEvent).where(DeliveryEvent.document_id == bindparam("document_id")).order_by(DeliveryEvent.seq)


class Listed(NamedTuple):
    """An event as an answer lists it: its place in the chain, type and time (`lock_with_events`)."""

    seq: int
    type: str
    at: dt.datetime


Timed = Event | Listed  # what an answer lists: an event, or its place, type and time


def lock_with_events(document_id: object) -> tuple[ServedDocument | None, list[Timed]]:
    """`lock_document`, and in the same statement the document's events in chain order, for an answer that lists
    them (`whole_chain` checks them: a row the lock waited for may have moved on since the events were read)."""
    rows = locked_rows(_LOCK_WITH_EVENTS, {"document_id": document_id})
    if not rows:
        return None, []
    return rows[0][0], listed(rows)


def locked_rows(statement: Select, params: dict[str, Any]) -> Sequence[Row]:
    """The rows of a statement that locks a document as `lock_document` does (FOR UPDATE OF the document, with
    populate_existing; on SQLite the database's write lock taken first): the document first in each row, then the
    event's seq, type and time, one row per event in chain order, then whatever else the statement reads."""
    if db.session.get_bind().dialect.name == "sqlite":
        _sqlite_write_lock()
    return db.session.execute(statement, params).all()


def listed(rows: Sequence[Row]) -> list[Timed]:
    """The events of `locked_rows` (columns 1 to 3 of each row), once each in chain order: a join of the statement
    may repeat an event's row."""
    found: list[Timed] = []
    for row in rows:
        if row[1] is not None and (not found or found[-1].seq != row[1]):
            found.append(Listed(row[1], row[2], row[3]))
    return found


def whole_chain(document: ServedDocument, known: list[Timed]) -> Sequence[Timed]:
    """Every event of the locked document in chain order: `known` (read with the lock, and those appended since)
    when it is exactly seq 1 to the document's event count, else read again (`events_of`)."""
    if [event.seq for event in known] == list(range(1, (document.event_count or 0) + 1)):
        return known
    return events_of(document.id)


def _sqlite_write_lock() -> None:
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None  # a connection checked out of the pool always wraps a live driver connection
    if not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def as_stored(value: object) -> object:
    """`value` exactly as JSON gives it back (json.loads(json.dumps(value, default=str))), copied, without the
    round trip for what events carry (dicts with str keys, lists, str, int, float, bool, None): tuples become
    lists; anything else (a date, a UUID, a str or int subclass, a dict with other keys) takes the round trip."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if isinstance(value, dict) and kind is dict and all(type(key) is str for key in value):
        return {key: as_stored(item) for key, item in value.items()}
    if isinstance(value, list | tuple) and (kind is list or kind is tuple):
        return [as_stored(item) for item in value]
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


# The events are plain rows, not ORM objects (issue 18: the unit of work cost more CPU than the INSERT, and nothing
# reads an appended event back as an object): `append` keeps each row with its document until the next flush, and the
# flush writes the rows of every document it has written (one INSERT for them all, built once here) after its own
# statements, where the unit of work wrote the events before: a document new in this session (a batch's group inserts
# its documents at the group's end) is in the table by then, and its events refer to it. A document that appends is
# changed (its head), so the session holds a change whenever rows wait: every flush, autoflush and commit that would
# have written ORM events writes these, and a rollback (of the transaction or of a SAVEPOINT) discards them. Other
# rows that refer to a document wait with it the same way (`defer`: its notifications), one INSERT per statement.
_ROWS = "delivery_event_rows"
_INSERT = insert(cast(Table, DeliveryEvent.__table__))


def append(document: ServedDocument, event_type: str, *, actor: Actor = SYSTEM, data: dict | None = None) -> Appended:
    """Append one event in the caller's transaction; the caller holds the document's lock (`lock_document`)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown delivery event {event_type!r}")
    event = Appended(
        id=new_id(),  # now, not at the flush: its webhook rows name it before the flush (a batch's group flushes once)
        document_id=document.id,
        seq=(document.event_count or 0) + 1,
        type=event_type,
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_role=actor.role,
        data=cast(dict, as_stored(data or {})),
        prev_hash=document.head_hash or GENESIS,
        hash="",
    )
    event.hash = compute_hash(document, event)
    document.event_count, document.head_hash = event.seq, event.hash
    info = db.session.info
    info.setdefault(_ROWS, []).append((document, _INSERT, _row(event)))
    info.setdefault("delivery_events", []).append(event)
    return event


def defer(document: ServedDocument, statement: Insert, row: dict[str, Any]) -> None:
    """Write `row` with `statement` (an INSERT built once) when the document's events are written: at the next flush
    that finds the document in the table, after the unit of work's statements (a row that refers to the document)."""
    db.session.info.setdefault(_ROWS, []).append((document, statement, row))


def _row(event: Appended) -> dict[str, Any]:
    return {
        "id": event.id,
        "document_id": event.document_id,
        "seq": event.seq,
        "type": event.type,
        "at": event.at,
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


# A document's changes (its state and head as an act moves them) are written by a Core UPDATE built once, at the
# start of each flush, not by the unit of work (issue 18: its bookkeeping cost more CPU than the statement): the
# columns that changed, one statement per set of changed columns, the row's updated_at as the ORM would set it; the
# document is then unchanged for the unit of work. Waiting rows of documents in the table are written with it, so a
# flush that has nothing else to write writes them too.
_DOCUMENTS = cast(Table, ServedDocument.__table__)
_UPDATE = update(_DOCUMENTS).where(_DOCUMENTS.c.id == bindparam("document_id"))


@sa_event.listens_for(Session, "before_flush")
def _write_documents(session: Session, _flush_context: object, _instances: object) -> None:
    """UPDATE the changed documents in the session by Core statements, then insert the rows waiting with them."""
    changed: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    written = []
    for state in session.identity_map._modified:
        if state.class_ is not ServedDocument or state.key is None or state.deleted:
            continue
        document = state.obj()
        if document is None or document in session.deleted:
            continue
        values = state.dict
        keys = tuple(sorted(key for key, old in state.committed_state.items() if key in values and values[key] != old))
        written.append(state)
        if not keys:
            continue
        row = {key: values[key] for key in keys}
        if "updated_at" not in row:
            row["updated_at"] = values["updated_at"] = clock.now()
            keys = (*keys, "updated_at")
        row["document_id"] = values["id"]
        changed.setdefault(keys, []).append(row)
    fold = len(changed) == 1 and combined.applies(session)  # PostgreSQL: one act's UPDATE with its events
    for keys, rows in changed.items():
        if fold and len(rows) == 1 and (events := _take_events(session, rows[0]["document_id"])):
            # with the rows queued already writable (an acknowledgement's timeline entry), as the flush would write
            queued = pending_rows.take_ready(session)
            tables = [combined.plain_table(statement) for statement, _rows in queued]
            extra = [(table, entry[1]) for table, entry in zip(tables, queued, strict=True) if table is not None]
            unwritten = {
                id(rest) for _table, rest in combined.update_with_events(session, keys, rows[0], events, extra)
            }
            for table, (statement, queued_rows) in zip(tables, queued, strict=True):
                if table is None or id(queued_rows) in unwritten:  # not a plain INSERT, or more rows than fold
                    session.execute(statement, queued_rows)
            continue
        result = session.execute(_UPDATE, rows)
        if len(rows) == 1 and cast(CursorResult, result).rowcount != 1:
            raise StaleDataError(f"UPDATE of served document {rows[0]['document_id']} matched no row")
    if written:
        InstanceState._commit_all_states([(state, state.dict) for state in written], session.identity_map)
    _write_rows(session, None)


def _take_events(session: Session, document_id: object) -> list[dict[str, Any]]:
    """The waiting events of one document in the table, taken out of the queue (the caller writes them)."""
    waiting = session.info.get(_ROWS)
    if not waiting:
        return []
    taken = [entry for entry in waiting if entry[1] is _INSERT and entry[2]["document_id"] == document_id]
    if taken:
        left = [entry for entry in waiting if not (entry[1] is _INSERT and entry[2]["document_id"] == document_id)]
        if left:
            session.info[_ROWS] = left
        else:
            del session.info[_ROWS]
    return [entry[2] for entry in taken]


def take_waiting(session: Session, documents: list[ServedDocument]) -> list[tuple[Insert, list[dict[str, Any]]]]:
    """The rows waiting with these documents (their events first, then what `defer` queued), one entry per
    statement in the order first queued, taken out of the queue: the caller writes them with the documents."""
    waiting = session.info.get(_ROWS)
    if not waiting:
        return []
    ids = {id(document) for document in documents}
    taken: dict[Insert, list[dict[str, Any]]] = {}
    left = []
    for entry in waiting:
        if id(entry[0]) in ids:
            taken.setdefault(entry[1], []).append(entry[2])
        else:
            left.append(entry)
    if left:
        session.info[_ROWS] = left
    else:
        del session.info[_ROWS]
    return list(taken.items())


@sa_event.listens_for(Session, "after_flush_postexec")
def _write_rows(session: Session, _flush_context: object) -> None:
    """Insert the waiting events whose documents are in the table (all of them but those of documents still new)."""
    waiting = session.info.get(_ROWS)
    if not waiting:
        return
    ready: dict[Insert, list[dict[str, Any]]] = {}
    left = []
    for entry in waiting:
        if instance_state(entry[0]).has_identity:
            ready.setdefault(entry[1], []).append(entry[2])
        else:
            left.append(entry)
    if left:
        session.info[_ROWS] = left
    else:
        del session.info[_ROWS]
    for statement, rows in ready.items():  # the events first (the first appended), then what waits with them
        session.execute(statement, rows)


@sa_event.listens_for(Session, "before_commit")
def _write_left(session: Session) -> None:
    """What no flush wrote (a document whose head was reset to what it was): written before the COMMIT."""
    if session.info.get(_ROWS):
        session.flush()
        _write_rows(session, None)


@sa_event.listens_for(Session, "after_soft_rollback")
def _discard_rows(session: Session, _previous: object) -> None:
    session.info.pop(_ROWS, None)


@sa_event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop("delivery_events", None)
    session.info.pop("document_notifications", None)
    session.info.pop("document_sms", None)


def take_appended() -> list[Appended]:
    """The events appended since the last call (for webhook rows, written before the commit)."""
    return db.session.info.pop("delivery_events", [])


def events_of(document_id: object) -> list[DeliveryEvent]:
    """Every event of a document in chain order."""
    return list(db.session.scalars(_EVENTS, {"document_id": document_id}))


@dataclasses.dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    document_id: str
    seq: int
    problem: str

    def describe(self) -> str:
        """One line for the CLI."""
        return f"document {self.document_id}: event {self.seq}: {self.problem}"


def verify_document(document: ServedDocument, events: Sequence[Event] | None = None) -> Break | None:
    """Recompute one chain; return its first broken link, or None when it holds."""
    events = events_of(document.id) if events is None else events
    previous = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return Break(str(document.id), expected_seq, f"missing (found seq {event.seq} next)")
        if event.prev_hash != previous:
            return Break(str(document.id), event.seq, "prev_hash does not match the previous event's hash")
        if compute_hash(document, event) != event.hash:
            return Break(str(document.id), event.seq, "hash does not match the event's content")
        previous = event.hash
    if len(events) != (document.event_count or 0) or (document.head_hash or GENESIS) != previous:
        return Break(str(document.id), len(events) + 1, "the chain's head does not match the document")
    return None


def iter_documents(batch: int = 500) -> Iterator[ServedDocument]:
    """Every document in id order, in batches (the whole table, for the verifier)."""
    last = None
    while True:
        query = select(ServedDocument).order_by(ServedDocument.id).limit(batch)
        if last is not None:
            query = query.where(ServedDocument.id > last)
        rows = list(db.session.scalars(query))
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        db.session.expunge_all()
