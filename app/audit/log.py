"""Appending to and verifying the hash-chained audit log (keyed HMAC, gap-free chains in SHARDS shards).

There is no global lock: an event goes to the chain (shard) of its actor, and an append locks only that
shard's head row, so audited writes of different people run in parallel on every app server. Each chain is
gap-free and HMAC-linked on its own; `verify` walks every chain and names the shard and position of the
first change; `export_head` gives one digest over all heads for anchoring outside the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    CTE,
    ColumnElement,
    Insert,
    String,
    Table,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent, AuditHead
from app.extensions import db
from app.platform import pending_rows, settings
from app.security.permissions import Principal
from app.utils import clock
from app.utils.request_context import current_request_id
from config import parse_key_ring

log = logging.getLogger(__name__)
GENESIS = "0" * 64
LEGACY_SHARD = 1  # the single chain from before sharding continues as shard 1
SHARDS = 16  # new appends spread over shards 1..SHARDS; changing it later is safe (events keep their shard)
_PINNED = "microcourt.audit_shard"


def _keys() -> dict[str, bytes]:
    config = settings.audit()
    return _ring(config.hmac_keys, config.secret_key)


@functools.lru_cache(maxsize=8)
def _ring(hmac_keys: str, secret_key: str) -> dict[str, bytes]:
    """The key ring of these settings, parsed (and the dev key derived) once per process, not on every append.
    Callers only read it."""
    pairs = parse_key_ring(hmac_keys)
    if not pairs:
        derived = hashlib.sha256(b"microcourt-audit:" + secret_key.encode()).hexdigest()
        pairs = [("dev", derived)]
    return {kid: secret.encode() for kid, secret in pairs}


def _active_kid(keys: Mapping[str, bytes]) -> str:
    return settings.audit().active_kid or next(iter(keys))


def canonical(event: AuditEvent | Recorded) -> bytes:
    """The bytes the HMAC covers: every chain field but the hash itself, in a fixed order.

    `seq` here is the position in the event's chain (shard_seq). Shard 1 (the chain from before sharding, and
    its continuation) leaves the shard out, so events written before sharding verify unchanged.
    """
    return _canonical({name: getattr(event, name) for name in _CHAINED})


_CHAINED = (
    "shard",
    "shard_seq",
    "at",
    "action",
    "actor_kind",
    "actor_id",
    "object_type",
    "object_id",
    "request_id",
    "details",
    "key_id",
    "prev_hash",
)


def _canonical(row: Mapping[str, Any]) -> bytes:
    """`canonical` of an event's values by column name (`_CHAINED`)."""
    body = {
        "seq": row["shard_seq"],
        "at": row["at"].isoformat(),
        "action": row["action"],
        "actor_kind": row["actor_kind"],
        "actor_id": row["actor_id"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "request_id": row["request_id"],
        "details": row["details"] or {},
        "key_id": row["key_id"],
        "prev_hash": row["prev_hash"],
    }
    if row["shard"] != LEGACY_SHARD:
        body["shard"] = row["shard"]
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _mac(key: bytes, event: AuditEvent) -> str:
    return hmac.new(key, canonical(event), hashlib.sha256).hexdigest()


def shard_of(actor_kind: str, actor_id: str | None) -> int:
    """The chain an actor's events go to (1..SHARDS): stable, so one actor's events stay in order in one chain."""
    return zlib.crc32(f"{actor_kind}:{actor_id or ''}".encode()) % SHARDS + 1


def _transaction_shard(wanted: int) -> int:
    """The shard of the open transaction: its first append chooses, later appends follow.

    One transaction thus locks one head only, so two transactions never wait for each other's heads in
    opposite orders (no deadlock), whatever actors they record.
    """
    session = db.session()
    session.connection()  # begins the transaction (no statement), so the pin names this transaction
    transaction = session.get_transaction()
    pinned = session.info.get(_PINNED)
    if pinned is not None and pinned[0] is transaction:
        return int(pinned[1])
    session.info[_PINNED] = (transaction, wanted)
    return wanted


# Built once per process with bound parameters (building an UPDATE per append cost more CPU than running it), on
# the table rather than the mapped class: no ORM bulk-update machinery runs for them (nothing in the session holds
# a head row to synchronise). The session still executes them, so its statement hooks see the writes.
#
# An append guesses its position (issue 18: it cost three statements: advance the head, the event, the head's hash).
# This process remembers each shard's head as its own last append left it (`_seen`), so the event is hashed at the
# next position before the head is read. `_ADVANCE` advances the head (locking it until COMMIT) and stores the
# event's hash in it only if the locked row is what the guess says (last_seq + 1 = shard_seq, last_hash =
# prev_hash); it returns the head. On PostgreSQL `_GUESSED` runs it with the event's INSERT in one statement
# (data-modifying CTEs: the INSERT adds the row only if the head came out as the event's position and hash). A miss
# (another process appended meanwhile, a rollback, no guess yet) leaves the head advanced and locked with its old
# hash: the event is hashed at its real position and written with `_APPEND`. One statement on PostgreSQL when the
# guess holds, two when not (SQLite: two, three); what lands is decided on the locked row, never by the guess.
_HEADS = cast(Table, AuditHead.__table__)
_GUESS_HOLDS = (_HEADS.c.last_seq + 1 == bindparam("shard_seq")) & (_HEADS.c.last_hash == bindparam("prev_hash"))
_ADVANCE = (
    update(_HEADS)
    .where(_HEADS.c.id == bindparam("shard"))
    .values(
        last_seq=_HEADS.c.last_seq + 1,
        last_hash=case((_GUESS_HOLDS, bindparam("hash", type_=String)), else_=_HEADS.c.last_hash),
    )
    .returning(_HEADS.c.last_seq, _HEADS.c.last_hash)
)
_STORE_HASH = update(_HEADS).where(_HEADS.c.id == bindparam("shard")).values(last_hash=bindparam("hash"))
# The event itself, a plain row from the values `record` gives (every column but `seq`, which the database numbers):
# no ORM object is made, added and flushed for it (the unit of work cost more CPU than the INSERT; nothing in a
# request reads the event back as an object). It runs where `record` runs, so the row is in the table at once (a
# later read of audit_events in the transaction sees it) and the work's statements see it written.
_EVENTS = cast(Table, AuditEvent.__table__)
_INSERT_EVENT = insert(_EVENTS)
_EVENT_COLUMNS = [column for column in _EVENTS.c if column.key != "seq"]
_EVENT_VALUES = [bindparam(column.key, type_=column.type) for column in _EVENT_COLUMNS]
_NEW_HEAD = _ADVANCE.cte("head")
_GUESSED = select(_NEW_HEAD.c.last_seq, _NEW_HEAD.c.last_hash).add_cte(
    insert(_EVENTS)
    .from_select(
        _EVENT_COLUMNS,
        select(*_EVENT_VALUES).where(
            _NEW_HEAD.c.last_seq == bindparam("shard_seq"), _NEW_HEAD.c.last_hash == bindparam("hash")
        ),
    )
    .cte("event")
)
# The event and the head's new hash; on PostgreSQL one statement (WITH event AS (INSERT ...) UPDATE audit_head ...:
# the head's hash is the event's and both name its shard, so they share the parameters `shard` and `hash`).
_APPEND = _STORE_HASH.add_cte(
    insert(_EVENTS).values(dict(zip((c.key for c in _EVENT_COLUMNS), _EVENT_VALUES, strict=True))).cte("event")
)
_seen: dict[tuple[int, int], tuple[int, str]] = {}  # (engine, shard): (last_seq, last_hash) after our last append


@dataclasses.dataclass(frozen=True, slots=True)
class Recorded:
    """An event as `record` wrote it (its chain fields and hash; `seq` is the database's and not read back)."""

    shard: int
    shard_seq: int
    at: dt.datetime
    action: str
    actor_kind: str
    actor_id: str | None
    object_type: str | None
    object_id: str | None
    request_id: str | None
    details: dict
    key_id: str
    prev_hash: str
    hash: str


def _advance(row: dict[str, Any], postgres: bool) -> tuple[int, str]:
    """Advance the row's shard head (locking it until COMMIT), and where the guess in `row` holds, append the event
    (PostgreSQL) or store its hash (SQLite): the head's (last_seq, last_hash) now."""
    statement = _GUESSED if postgres else _ADVANCE
    head = db.session.execute(statement, row).one_or_none()
    if head is None:  # the shard's first event: create its head once (race-safe), then advance it
        insert = pg_insert if postgres else sqlite_insert
        db.session.execute(
            insert(AuditHead).values(id=row["shard"], last_seq=0, last_hash=GENESIS).on_conflict_do_nothing()
        )
        head = db.session.execute(statement, row).one()
    return int(head[0]), str(head[1])


def record(
    action: str,
    *,
    actor: Principal | None = None,
    actor_kind: str | None = None,
    actor_id: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    details: Mapping[str, Any] | None = None,
) -> Recorded:
    """Append an event in the caller's transaction (the caller commits). Details must hold no raw PII.

    The shard's head is advanced, which locks that head only (appends to other shards run in parallel), and the
    event is inserted at its position with its hash stored in the head: one statement on PostgreSQL when this
    process's guess of the head holds, two when not (see `_ADVANCE`). An append still waiting to be carried
    (`record_carried`) is written first, so the chain keeps the order of the calls.
    """
    session = db.session()
    waiting = pending_rows.take_write(session, Carried)
    if waiting is not None:
        waiting.write(session)
    row, key, postgres = _prepared(action, actor, actor_kind, actor_id, object_type, object_id, details)
    return _landed(row, key, postgres, _advance(row, postgres))


def _prepared(
    action: str,
    actor: Principal | None,
    actor_kind: str | None,
    actor_id: str | None,
    object_type: str | None,
    object_id: object,
    details: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], bytes, bool]:
    """The event's row at the position this process guesses (hashed there when it has a guess), the key and
    whether the database is PostgreSQL."""
    keys = _keys()
    kid = _active_kid(keys)
    key = keys[kid]
    kind = actor_kind or (actor.kind if actor else "system")
    who = actor_id or (actor.subject if actor else None)
    shard = _transaction_shard(shard_of(kind, who))
    engine = db.engine
    request_id = current_request_id()
    guess = _seen.get((id(engine), shard))
    row: dict[str, Any] = {
        "shard": shard,
        "shard_seq": guess[0] + 1 if guess else 0,  # 0: no guess, which never holds
        "at": clock.now(),
        "action": action,
        "actor_kind": kind,
        "actor_id": who,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "request_id": request_id if request_id != "-" else None,
        "details": dict(details or {}),
        "key_id": kid,
        "prev_hash": guess[1] if guess else GENESIS,
    }
    row["hash"] = hmac.new(key, _canonical(row), hashlib.sha256).hexdigest() if guess else ""
    return row, key, engine.dialect.name == "postgresql"


def _landed(row: dict[str, Any], key: bytes, postgres: bool, head: tuple[int, str]) -> Recorded:
    """Finish the append once its shard's head is advanced (and locked): `head` is its (last_seq, last_hash) now.
    Where the guess held the event is in (PostgreSQL) or its hash stored (SQLite); else it is hashed at the head's
    real position and written."""
    last_seq, last_hash = head
    if (last_seq, last_hash) != (row["shard_seq"], row["hash"]):  # no guess, or it missed: the head is advanced
        # (and locked) but keeps its hash (the position too is compared: an event just like this one at the guessed
        # position, appended meanwhile, would leave the head with this hash one position further on)
        row["shard_seq"], row["prev_hash"] = last_seq, last_hash
        row["hash"] = hmac.new(key, _canonical(row), hashlib.sha256).hexdigest()
        if postgres:
            db.session.execute(_APPEND, row)
        else:
            db.session.execute(_INSERT_EVENT, row)
            db.session.execute(_STORE_HASH, {"shard": row["shard"], "hash": row["hash"]})
    elif not postgres:  # the guess held: SQLite stored the hash, the event is still to insert
        db.session.execute(_INSERT_EVENT, row)
    _seen[(id(db.engine), row["shard"])] = (row["shard_seq"], row["hash"])
    return Recorded(**row)


# An append carried by the write it records (issue 18: the append was a statement of its own after the write). On
# PostgreSQL `record_carried` queues the event (app/platform/pending_rows.py `add_write`: it lands or is dropped as
# a waiting row would); a write statement built with `carrying` takes it (`take_carried`) and runs `_GUESSED` as two
# more data-modifying CTEs: the head's advance, which names a row of the write's own CTE (`written`), so nothing is
# appended when the write changed nothing, and the event at the guessed position. The statement returns the head
# (last_seq, last_hash) as two more columns; `Carried.settle` finishes as `record` does: nothing more when the guess
# held, the event at the head's real position when it missed, the whole append when the shard had no head yet. A
# queued append no statement took is written as `record` writes it before the COMMIT (or the next `record`).
_CARRIED_PREFIX = "au_"


def carrying(statement: Insert, written: CTE) -> Insert:
    """`statement` (a write with `written` among its CTEs, which RETURNs a row for what it wrote) with the audit
    append's CTEs, and the head's (last_seq, last_hash) as the last two columns it returns (NULL: no head was
    advanced). Built once by the caller; its parameters are `Carried.params`, and none of the statement's may be
    named as a column of audit_head (id, last_seq, last_hash): SQLAlchemy would SET that column in the head's UPDATE."""
    names = {key: bindparam(_CARRIED_PREFIX + key, type_=type_) for key, type_ in _CARRIED_TYPES.items()}
    one: ColumnElement[int] = literal_column(
        "1"
    )  # no parameter (a statement of more than 50 is parsed again at every execution)
    holds = (_HEADS.c.last_seq + one == names["shard_seq"]) & (_HEADS.c.last_hash == names["prev_hash"])
    head = (
        update(_HEADS)
        .where(_HEADS.c.id == names["shard"], exists().select_from(written))
        .values(last_seq=_HEADS.c.last_seq + one, last_hash=case((holds, names["hash"]), else_=_HEADS.c.last_hash))
        .returning(_HEADS.c.last_seq, _HEADS.c.last_hash)
        .cte("audit_advanced")
    )
    event = (
        insert(_EVENTS)
        .from_select(
            _EVENT_COLUMNS,
            select(*(names[column.key] for column in _EVENT_COLUMNS)).where(
                head.c.last_seq == names["shard_seq"], head.c.last_hash == names["hash"]
            ),
        )
        .cte("audit_event")
    )
    return statement.add_cte(head, event).returning(
        select(head.c.last_seq).scalar_subquery(), select(head.c.last_hash).scalar_subquery()
    )


_CARRIED_TYPES = {column.key: column.type for column in _EVENT_COLUMNS}


class Carried:
    """An append queued by `record_carried`: its row at the guessed position, hashed."""

    __slots__ = ("key", "row")

    def __init__(self, row: dict[str, Any], key: bytes) -> None:
        self.row, self.key = row, key

    @property
    def params(self) -> dict[str, Any]:
        """The parameters of the CTEs `carrying` adds."""
        return {_CARRIED_PREFIX + key: value for key, value in self.row.items()}

    def write(self, session: Session) -> None:
        """No statement carried it: append it on its own, as `record` does."""
        _landed(self.row, self.key, True, _advance(self.row, True))

    def settle(self, returned: Sequence[Any] | None) -> None:
        """After the statement that carried it: `returned` is a row it returned (the head's last_seq and last_hash
        its last two columns), or None when it returned none (it wrote nothing: neither was the append)."""
        if returned is None:
            return
        last_seq, last_hash = returned[-2], returned[-1]
        if last_seq is None:  # the shard's first event: its head is created, then the append is made whole
            self.write(db.session())
            return
        _landed(self.row, self.key, True, (int(last_seq), str(last_hash)))


def record_carried(
    action: str,
    *,
    actor: Principal | None = None,
    actor_kind: str | None = None,
    actor_id: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """`record`, but on PostgreSQL the append rides in the transaction's next write statement built with `carrying`
    (one statement fewer), or is written on its own where a waiting row would be (app/platform/pending_rows.py: at
    the latest before the COMMIT) when no such statement runs; dropped with what a rollback drops. SQLite: `record`.
    For a caller whose write comes next (nothing in between should read the audit log)."""
    if db.engine.dialect.name != "postgresql":
        record(
            action,
            actor=actor,
            actor_kind=actor_kind,
            actor_id=actor_id,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
        return
    session = db.session()
    waiting = pending_rows.take_write(session, Carried)
    if waiting is not None:  # one waits at a time, so the chain keeps the order of the calls
        waiting.write(session)
    row, key, _postgres = _prepared(action, actor, actor_kind, actor_id, object_type, object_id, details)
    pending_rows.add_write(session, Carried(row, key))


def take_carried(session: Session) -> Carried | None:
    """The append waiting for a statement built with `carrying`, taken out of the queue: the caller runs it with
    `params` and then calls `settle` with a row the statement returned (None if it returned none)."""
    return pending_rows.take_write(session, Carried)


def record_now(action: str, **kwargs: Any) -> None:
    """Append and commit at once (for events outside a business transaction, e.g. failed logins)."""
    record(action, **kwargs)
    db.session.commit()


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    """What the verifier found: ok, or the first broken position (in its shard's chain) and why."""

    ok: bool
    checked: int
    head_seq: int  # events in all chains (the sum of the heads)
    problem: str | None = None
    position: int | None = None  # shard_seq of the first broken place in `shard`
    shard: int | None = None


def _events(shard: int, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        query = (
            select(AuditEvent)
            .where(AuditEvent.shard == shard, AuditEvent.shard_seq > last)
            .order_by(AuditEvent.shard_seq)
            .limit(batch)
        )
        rows = list(db.session.scalars(query))
        if not rows:
            return
        yield from rows
        last = rows[-1].shard_seq
        db.session.expunge_all()


def _shards() -> list[int]:
    heads = set(db.session.scalars(select(AuditHead.id)))
    return sorted(heads | set(db.session.scalars(select(AuditEvent.shard).distinct())))


def verify() -> VerifyResult:
    """Recompute every chain: finds edited, deleted, swapped and inserted rows and names the first position."""
    keys = _keys()
    checked = 0
    for shard in _shards():
        expected_seq, prev_hash = 1, GENESIS
        for event in _events(shard):
            problem = _check(event, expected_seq, prev_hash, keys)
            if problem:
                return _broken(checked, f"shard {shard}: {problem}", expected_seq, shard)
            expected_seq, prev_hash, checked = event.shard_seq + 1, event.hash, checked + 1
        head = db.session.get(AuditHead, shard)
        if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
            problem = f"shard {shard}: the newest rows are missing (head is ahead of the table)"
            return _broken(checked, problem, expected_seq, shard)
    return VerifyResult(ok=True, checked=checked, head_seq=checked)


def _broken(checked: int, problem: str, position: int, shard: int) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, head_seq=checked, problem=problem, position=position, shard=shard)


def _check(event: AuditEvent, expected_seq: int, prev_hash: str, keys: Mapping[str, bytes]) -> str | None:
    if event.shard_seq != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {event.shard_seq} (rows deleted)"
    if event.key_id not in keys:
        return f"unknown key id {event.key_id!r}"
    if event.prev_hash != prev_hash:
        return "link broken: prev_hash does not match the previous row (rows swapped, inserted or deleted)"
    if not hmac.compare_digest(_mac(keys[event.key_id], event), event.hash):
        return "hash mismatch: the row was edited"
    return None


def export_head() -> dict[str, Any]:
    """Every chain's head and one digest over them all, for anchoring outside this database.

    `hash` is SHA-256 over "shard:seq:hash" of every head in shard order: anchoring it (e.g. daily) fixes every
    chain at once; `seq` counts the events in all chains.
    """
    heads = list(db.session.scalars(select(AuditHead).order_by(AuditHead.id)))
    if not heads:
        return {"seq": 0, "hash": GENESIS, "at": None, "shards": []}
    digest = hashlib.sha256("\n".join(f"{h.id}:{h.last_seq}:{h.last_hash}" for h in heads).encode()).hexdigest()
    newest = db.session.scalar(select(func.max(AuditEvent.at)))
    return {
        "seq": sum(h.last_seq for h in heads),
        "hash": digest,
        "at": newest.isoformat() if newest else None,
        "shards": [{"shard": h.id, "seq": h.last_seq, "hash": h.last_hash} for h in heads],
    }
