"""Idempotency-Key semantics: same key + same body replays, different body 422, in flight 409.

A key is claimed in a transaction of its own (so a concurrent retry sees it at once), and the request's own
work carries a marker into its commit: the record turns `committed` in the same transaction as the work.
So when the request fails, the layer knows whether anything was written. Nothing committed: the key is
released and an immediate retry runs the work. Work committed but the answer lost (the connection died
after the commit, the process was killed): a retry is told so (409 `idempotency.outcome_unknown`) and the
work never runs twice. The lease (`locked_until`) a request took is its fencing token: a request that was
taken over after its lease ran out can no longer commit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.platform import settings
from app.platform.models import IdempotencyRecord
from app.utils import clock

log = logging.getLogger(__name__)

IN_FLIGHT_LEASE = dt.timedelta(seconds=120)
MAX_KEY_LENGTH = 255
IN_FLIGHT, COMMITTED, DONE = "in_flight", "committed", "done"
_CLAIM = "microcourt.idempotency_claim"


@dataclasses.dataclass(frozen=True)
class StoredResponse:
    """A response recorded for a key, replayed to a retry."""

    status: int
    body: object


@dataclasses.dataclass
class Claim:
    """A key held by the running request; `lease` (its locked_until) is the fencing token."""

    scope: str
    key: str
    lease: dt.datetime
    committed: bool = False  # the request's work committed (and the record says so)
    wrote: bool = False  # the open transaction has written something
    marking: bool = False  # the open transaction carries the `committed` marker


def check_key(key: str) -> str:
    """Validate a client-supplied key: printable ASCII, 1..255 characters."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            reason="idempotency.key_invalid",
            errors={"Idempotency-Key": ["Must be 1 to 255 printable ASCII characters."]},
        )
    return key


def begin(*, scope: str, key: str, fingerprint: str) -> StoredResponse | None:
    """Claim the key for this request; return the stored response if the work was already done."""
    outcome = claim(scope=scope, key=key, fingerprint=fingerprint)
    return outcome if isinstance(outcome, StoredResponse) else None


def claim(*, scope: str, key: str, fingerprint: str, rerun_committed: bool = False) -> StoredResponse | Claim:
    """Claim the key (committed at once); a finished key answers its stored response instead.

    `rerun_committed`: the work finds its own earlier result by this key (a case's creation_key, a document's
    submission key), so a retry whose first answer was lost after the commit may run it again to get the answer.
    """
    check_key(key)
    _flush_pending()
    now = clock.now()
    ttl = dt.timedelta(hours=settings.http().idempotency_ttl_hours)
    lease = now + IN_FLIGHT_LEASE
    record = IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint, locked_until=lease, expires_at=now + ttl)
    db.session.add(record)
    try:
        return _commit_claim(Claim(scope=scope, key=key, lease=lease))
    except IntegrityError:
        db.session.rollback()
    existing = db.session.scalars(_where(scope, key, select(IdempotencyRecord))).one_or_none()
    if existing is None:  # released between our insert and this read: the caller retries
        raise _in_flight()
    return _resolve_existing(existing, fingerprint=fingerprint, now=now, ttl=ttl, rerun=rerun_committed)


def _resolve_existing(
    record: IdempotencyRecord, *, fingerprint: str, now: dt.datetime, ttl: dt.timedelta, rerun: bool = False
) -> StoredResponse | Claim:
    if record.fingerprint != fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was used with a different request body.",
            reason="idempotency.key_reused",
            errors={"Idempotency-Key": ["Already used with a different request."]},
        )
    if record.state == DONE:
        return StoredResponse(status=record.response_status or 200, body=json.loads(record.response_body or "null"))
    if record.locked_until > now:
        raise _in_flight()
    if record.state == COMMITTED and not rerun:
        raise Conflict(
            "The first request with this Idempotency-Key changed data but its answer was lost; "
            "read the resource instead of retrying.",
            reason="idempotency.outcome_unknown",
        )
    # The first attempt died before committing anything (or its work dedups by key), and its lease ran out:
    # this retry takes over.
    lease = now + IN_FLIGHT_LEASE
    taken = db.session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == record.id,
            IdempotencyRecord.state == record.state,
            IdempotencyRecord.locked_until == record.locked_until,
        )
        .values(locked_until=lease, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(taken) != 1:  # another retry took it over first
        db.session.rollback()
        raise _in_flight()
    return _commit_claim(Claim(scope=record.scope, key=record.key, lease=lease))


def _commit_claim(held: Claim) -> Claim:
    """Commit a claim (its INSERT or a take-over); if the connection dies around COMMIT, settle what may be ours.

    The claim may have landed. If it did and can be read, it is ours: go on. If it cannot be read, take it back
    (now, or before this process's next claim): a landed claim that nobody holds would answer every retry with
    409 in_flight for the whole lease.
    """
    try:
        db.session.commit()
    except IntegrityError:
        raise
    except DBAPIError as exc:
        _safe_rollback()
        if not _is_connection_error(exc):
            raise
        if _lease_of(held.scope, held.key) == held.lease:
            return held
        _settle(held, _failure_writes)
        raise
    return held


def _in_flight() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed.",
        reason="idempotency.in_flight",
        headers={"Retry-After": "2"},
    )


@contextlib.contextmanager
def holding(held: Claim) -> Iterator[Claim]:
    """While the request's work runs, every commit of the session carries the key's `committed` marker."""
    session = db.session()
    session.info[_CLAIM] = held
    try:
        yield held
    finally:
        session.info.pop(_CLAIM, None)


def finish(*, scope: str, key: str, status: int, body: object, held: Claim | None = None) -> bool:
    """Record the successful response so that retries replay it; False when it could not be recorded."""
    statement = update(IdempotencyRecord).values(
        state=DONE, response_status=status, response_body=json.dumps(body, ensure_ascii=False, default=str)
    )
    statement = _where(scope, key, statement)
    if held is not None:
        statement = statement.where(IdempotencyRecord.locked_until == held.lease)
    return _write_with_retry(lambda: db.session.execute(statement.execution_options(synchronize_session=False)))


def abandon(*, scope: str, key: str) -> None:
    """Release the key after a failed request whose work did not commit, so a corrected retry may use it."""
    _safe_rollback()
    statement = _where(scope, key, delete(IdempotencyRecord)).where(IdempotencyRecord.state == IN_FLIGHT)
    _write_with_retry(lambda: db.session.execute(statement))


def release(held: Claim) -> bool:
    """Forget the key whatever the work did (the request was refused: a corrected retry may use the key)."""
    _safe_rollback()
    return _settle(held, _release_writes)


def fail(held: Claim) -> bool:
    """After a server-side failure: release the key if nothing committed, else end its lease (outcome unknown).

    The record decides, not `held.committed`: a connection lost during COMMIT leaves the request unsure whether
    its work (and the marker with it) landed, and the record knows.
    """
    _safe_rollback()
    return _settle(held, _failure_writes)


def _release_writes(held: Claim) -> None:
    db.session.execute(
        _where(held.scope, held.key, delete(IdempotencyRecord)).where(IdempotencyRecord.locked_until == held.lease)
    )


def _failure_writes(held: Claim) -> None:
    db.session.execute(
        _where(held.scope, held.key, delete(IdempotencyRecord)).where(
            IdempotencyRecord.locked_until == held.lease, IdempotencyRecord.state == IN_FLIGHT
        )
    )
    db.session.execute(
        _where(held.scope, held.key, update(IdempotencyRecord))
        .where(IdempotencyRecord.locked_until == held.lease, IdempotencyRecord.state == COMMITTED)
        .values(locked_until=clock.now())
        .execution_options(synchronize_session=False)
    )


# Settlements a failed request could not write because the database was unreachable. They are kept in this
# process and written before its next claim: without them a key would answer `in_flight` to every retry for the
# whole lease (120 s) after an outage. Each is fenced by its lease, so a late write never touches a newer claim.
_pending: list[tuple[Claim, Callable[[Claim], None]]] = []
_pending_lock = threading.Lock()


def _settle(held: Claim, writes: Callable[[Claim], None]) -> bool:
    """Write a settlement now, or keep it for later when the database cannot be reached."""
    if _write_with_retry(functools.partial(writes, held)):
        return True
    with _pending_lock:
        _pending.append((held, writes))
    log.warning("idempotency: settlement kept for later (database unreachable)")
    return False


def _flush_pending() -> None:
    """Write the settlements kept after an outage (cheap when there are none)."""
    if not _pending:
        return
    with _pending_lock:
        todo = list(_pending)
        _pending.clear()
    for index, (held, writes) in enumerate(todo):
        if not _write_with_retry(functools.partial(writes, held)):
            with _pending_lock:
                _pending.extend(todo[index:])
            return


def purge_expired() -> int:
    """Delete records past their retention; return how many went."""
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < clock.now()))
    db.session.commit()
    return _rowcount(result)


def _where(scope: str, key: str, statement: Any) -> Any:
    return statement.where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)


def _lease_of(scope: str, key: str) -> dt.datetime | None:
    """The lease on the key as stored now (None when there is no record or the database is unreachable)."""
    try:
        return db.session.scalar(_where(scope, key, select(IdempotencyRecord.locked_until)))
    except DBAPIError:
        _safe_rollback()
        return None


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _safe_rollback() -> None:
    """Roll back whatever the failed work left open; a dead connection must not stop the release."""
    try:
        db.session.rollback()
    except SQLAlchemyError as exc:
        log.warning("idempotency: rollback failed: %s", type(exc).__name__)
        with contextlib.suppress(SQLAlchemyError):
            db.session.close()


def _write_with_retry(write: Callable[[], object]) -> bool:
    """Run and commit one bookkeeping write; after a lost connection try once more on a fresh one."""
    for attempt in (1, 2):
        try:
            write()
            db.session.commit()
            return True
        except DBAPIError as exc:
            _safe_rollback()
            if attempt == 2 or not _is_connection_error(exc):
                log.error("idempotency: bookkeeping write failed: %s", type(exc).__name__)
                return False
    return False


def _is_connection_error(exc: DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or type(exc).__name__ in {"OperationalError", "InterfaceError"}


# The marker: installed once for every session; it acts only on a session holding a claim.


def _held(session: Session) -> Claim | None:
    held = session.info.get(_CLAIM)
    return held if isinstance(held, Claim) else None


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context: UOWTransaction) -> None:
    held = _held(session)
    if held is not None:
        held.wrote = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    held = _held(state.session)
    if held is not None and not state.is_select:
        held.wrote = True


@event.listens_for(Session, "before_commit")
def _mark_committed(session: Session) -> None:
    """Put the marker into the transaction that commits the request's first write (root commits only)."""
    held = _held(session)
    if held is None or session.in_nested_transaction():
        return
    held.marking = False
    if held.committed or not (held.wrote or session.new or session.dirty or session.deleted):
        return
    marked = session.execute(
        _where(held.scope, held.key, update(IdempotencyRecord))
        .where(IdempotencyRecord.state.in_((IN_FLIGHT, COMMITTED)), IdempotencyRecord.locked_until == held.lease)
        .values(state=COMMITTED)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(marked) != 1:  # our lease ran out and a retry took the key over: this work must not land
        raise _in_flight()
    held.marking = True


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    held = _held(session)
    if held is None or session.in_nested_transaction():
        return
    if held.marking:
        held.committed = True
    held.marking = held.wrote = False


@event.listens_for(Session, "after_rollback")
def _note_rollback(session: Session) -> None:
    held = _held(session)
    if held is not None and not session.in_nested_transaction():
        held.marking = held.wrote = False
