"""Idempotency-Key semantics: same key + same body replays, different body 422, in flight 409.

The key is claimed inside the request's own transaction: its row is inserted (or taken over) uncommitted,
already saying `committed`, so it lands with the request's first write in the same COMMIT and costs no
transaction of its own. A concurrent duplicate's INSERT waits on the unique key until that transaction ends,
then finds the record (replay, or 409 in flight while the answer is being recorded) or, if it rolled back,
claims the key itself. Should the request's first commit carry no write, the record is put back to
`in_flight` in it (rare). A rollback inside the request drops the uncommitted claim; it is claimed again as
the next transaction begins (409 in flight if a duplicate got it meanwhile).

So when the request fails, the layer knows whether anything was written. Nothing committed: the key is free
(nothing landed, or the `in_flight` record is deleted) and an immediate retry runs the work. Work committed
but the answer lost (the connection died after the commit, the process was killed): a retry is told so (409
`idempotency.outcome_unknown`) and the work never runs twice. The lease (`locked_until`) a request took is its
fencing token: once its claim has landed, every later commit of the request is fenced by it, so a request
taken over after its lease ran out can no longer commit.

One commit per request (`holding(..., single_commit=True)`, what the HTTP decorator uses): while the view runs,
the work's `db.session.commit()` only flushes and leaves the transaction open; the answer (status and body) is
written into that same transaction once the response exists, and one COMMIT lands claim, work and answer
together. A crash before it leaves nothing (the key is free), after it the answer replays; a concurrent
duplicate waits on the claim's unique key and then replays. What must see the work committed gets it
committed first: a job enqueued while the commit is deferred (Celery `before_task_publish`/`task_prerun`)
commits the work then (the answer is recorded in a second, short transaction, as before), and sends that
only need to start after the commit register with `after_work_commits`. A rollback after a deferred commit
discards what came after it; if something was written since, it cannot be undone alone, so the request
stops with 503 `database.unavailable` (nothing landed, the retry runs it again). A view that fails after its
work asked to commit lands that work as it would have landed, with the record settled in the same commit.
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
from typing import Any, cast

from celery import signals
from flask import has_app_context
from sqlalchemy import Connection, Table, bindparam, delete, event, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from app.errors import Conflict, DatabaseUnavailable, ValidationFailed
from app.extensions import db
from app.platform import pending_rows, settings
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
    fresh: bool = False  # the claim is in the open transaction, not committed yet
    base_state: str = IN_FLIGHT  # what the record says when a commit lands it without the work
    attempted: bool = False  # a commit was tried while the claim was fresh (its outcome may be unknown)
    transaction: object = None  # the session transaction the fresh claim is in
    taken_from: tuple[str, dt.datetime] | None = None  # a take-over: the (state, lease) it replaced
    fingerprint: str = ""
    expires_at: dt.datetime | None = None
    deferring: bool = False  # the work's commits are deferred to the answer's (one COMMIT per request)
    pending: bool = False  # the work asked to commit: its writes wait in the open transaction
    since: bool = False  # something was written after the last deferred commit
    broken: BaseException | None = None  # a forced commit (before a job) failed: the request cannot succeed
    callbacks: list[Callable[[], None]] = dataclasses.field(default_factory=list)  # run once the work committed


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
    """Claim the key in the open transaction (it lands with the work); a finished key answers its stored response.

    `rerun_committed`: the work finds its own earlier result by this key (a case's creation_key, a document's
    submission key), so a retry whose first answer was lost after the commit may run it again to get the answer.
    """
    check_key(key)
    flush_pending()
    now = clock.now()
    held = new_claim(scope=scope, key=key, fingerprint=fingerprint, now=now)
    try:
        db.session.execute(_CLAIM_INSERT, claim_params(held))
    except IntegrityError:
        db.session.rollback()  # a committed record holds the key (a duplicate waited here for its commit)
    else:
        return fresh(held)
    return resolve_key(scope=scope, key=key, fingerprint=fingerprint, rerun_committed=rerun_committed, now=now)


def new_claim(*, scope: str, key: str, fingerprint: str, now: dt.datetime) -> Claim:
    """The claim a request takes on a free key: its lease and retention start now."""
    ttl = dt.timedelta(hours=settings.http().idempotency_ttl_hours)
    return Claim(scope=scope, key=key, lease=now + IN_FLIGHT_LEASE, fingerprint=fingerprint, expires_at=now + ttl)


def resolve_key(
    *, scope: str, key: str, fingerprint: str, rerun_committed: bool, now: dt.datetime | None = None
) -> StoredResponse | Claim:
    """A key whose claim found a committed record (the claim rolled back): replay, refuse, or take it over."""
    now = now or clock.now()
    ttl = dt.timedelta(hours=settings.http().idempotency_ttl_hours)
    existing = db.session.scalars(_where(scope, key, select(IdempotencyRecord))).one_or_none()
    if existing is None:  # released between our insert and this read: the caller retries
        raise _in_flight()
    return _resolve_existing(existing, fingerprint=fingerprint, now=now, ttl=ttl, rerun=rerun_committed)


# The two statements of every request with a key, built once per process with bound parameters and on the table,
# not the mapped class (building them and the ORM's bulk machinery cost more CPU than running them; the session
# still executes them, so its hooks see them).
_RECORDS = RECORDS = cast(Table, IdempotencyRecord.__table__)
_CLAIM_INSERT = insert(_RECORDS).values(
    scope=bindparam("p_scope"),
    key=bindparam("p_key"),
    fingerprint=bindparam("p_fingerprint"),
    state=COMMITTED,
    locked_until=bindparam("p_lease"),
    expires_at=bindparam("p_expires_at"),
)
_ANSWER = (
    update(_RECORDS)
    .where(
        _RECORDS.c.scope == bindparam("p_scope"),
        _RECORDS.c.key == bindparam("p_key"),
        _RECORDS.c.locked_until == bindparam("p_lease"),
    )
    .values(state=DONE, response_status=bindparam("p_status"), response_body=bindparam("p_body"))
)


def claim_params(held: Claim) -> dict[str, Any]:
    """The claim's row for `_CLAIM_INSERT`: already `committed`, for it becomes visible only with the COMMIT that
    carries the work."""
    return {
        "p_scope": held.scope,
        "p_key": held.key,
        "p_fingerprint": held.fingerprint,
        "p_lease": held.lease,
        "p_expires_at": held.expires_at,
    }


def _claim_insert(held: Claim) -> Any:
    """The claim's row as one statement (a claim taken again after a rollback dropped it: rare)."""
    return insert(IdempotencyRecord).values(
        scope=held.scope,
        key=held.key,
        fingerprint=held.fingerprint,
        state=COMMITTED,
        locked_until=held.lease,
        expires_at=held.expires_at,
    )


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
    # this retry takes over, in its own transaction (a concurrent take-over waits on the row, then finds the
    # lease changed and answers in flight).
    lease = now + IN_FLIGHT_LEASE
    taken = db.session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == record.id,
            IdempotencyRecord.state == record.state,
            IdempotencyRecord.locked_until == record.locked_until,
        )
        .values(state=COMMITTED, locked_until=lease, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(taken) != 1:  # another retry took it over first
        db.session.rollback()
        raise _in_flight()
    return fresh(
        Claim(
            scope=record.scope,
            key=record.key,
            lease=lease,
            base_state=record.state,
            fingerprint=fingerprint,
            expires_at=now + ttl,
            taken_from=(record.state, record.locked_until),
        )
    )


def fresh(held: Claim) -> Claim:
    """The claim is in the session's open transaction (not committed yet)."""
    held.fresh, held.transaction = True, db.session().get_transaction()
    return held


def abandon_fresh() -> None:
    """Drop a claim taken in the open transaction that no request will hold (nothing else was written yet)."""
    db.session.rollback()


def _dropped(session: Session, held: Claim) -> bool:
    """The fresh claim's transaction ended without a commit (rolled back, or its connection lost)."""
    return held.fresh and held.transaction is not session.get_transaction()


def _reclaim_in(session: Session, held: Claim, execute: Callable[[Any], Any], transaction: object = None) -> None:
    """Claim the key again in the session's new transaction (the same insert or take-over as the first time);
    a duplicate that got it meanwhile stops this request."""
    if held.taken_from is None:
        try:
            execute(_claim_insert(held))
        except IntegrityError:
            raise _in_flight() from None
    else:
        state, lease = held.taken_from
        taken = execute(
            _where(held.scope, held.key, update(IdempotencyRecord))
            .where(IdempotencyRecord.state == state, IdempotencyRecord.locked_until == lease)
            .values(state=COMMITTED, locked_until=held.lease, expires_at=held.expires_at)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(taken) != 1:
            raise _in_flight()
    held.transaction = transaction or session.get_transaction()


def _in_flight() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed.",
        reason="idempotency.in_flight",
        headers={"Retry-After": "2"},
    )


@contextlib.contextmanager
def holding(held: Claim, *, single_commit: bool = False) -> Iterator[Claim]:
    """While the request's work runs, every commit of the session carries the key's `committed` marker.

    single_commit: the work's commits are deferred (flush only) until `answer` records the response in the same
    transaction and commits once.
    """
    session = db.session()
    session.info[_CLAIM] = held
    if single_commit:
        held.deferring = True
        session.commit = functools.partial(_deferred_commit, session)  # type: ignore[method-assign]
        session.rollback = functools.partial(_deferred_rollback, session)  # type: ignore[method-assign]
    try:
        yield held
    finally:
        held.deferring = False
        session.__dict__.pop("commit", None)
        session.__dict__.pop("rollback", None)
        session.info.pop(_CLAIM, None)


def _deferred_commit(session: Session) -> None:
    """The work's commit while the answer is not known yet: flush, keep the transaction open."""
    held = _held(session)
    if held is None or not held.deferring:
        type(session).commit(session)
        return
    session.flush()
    pending_rows.write_waiting(session)  # rows queued without an ORM change: a flush of a clean session skips them
    while session.in_nested_transaction():  # a root commit releases the SAVEPOINTs in effect
        nested = session.get_nested_transaction()
        assert nested is not None
        nested.commit()
    if held.wrote or held.pending:
        held.pending = True
    held.since = False


def _deferred_rollback(session: Session) -> None:
    """A rollback after a deferred commit undoes what came after that commit only."""
    held = _held(session)
    if held is None or not held.deferring or not held.pending or session.in_nested_transaction():
        type(session).rollback(session)
        return
    if held.since or _aborted(session):  # written (or failed) after the deferred commit: not undone alone
        held.pending, held.callbacks[:] = False, []
        type(session).rollback(session)
        log.warning("idempotency: a rollback after a deferred commit undid the work; the request stops")
        raise DatabaseUnavailable(retry_after=1)
    _discard_unflushed(session)


def _aborted(session: Session) -> bool:
    """PostgreSQL refuses everything after a failed statement until the transaction ends (and its COMMIT is a
    ROLLBACK): the work that waits in it cannot land."""
    if not session.in_transaction():
        return False
    driver = session.connection().connection.driver_connection
    status = getattr(getattr(driver, "info", None), "transaction_status", None)
    return getattr(status, "name", "") == "INERROR"


def _discard_unflushed(session: Session) -> None:
    """Forget changes not flushed yet (what a rollback to the last commit would drop)."""
    pending_rows.discard_waiting(session)
    for instance in list(session.new) + list(session.deleted):
        session.expunge(instance)
    session.expire_all()


def after_work_commits(callback: Callable[[], None]) -> None:
    """Run `callback` once the work has committed: now, or right after the request's deferred COMMIT.

    For sends started after a commit (jobs that read the rows it wrote); a request whose answer fails to
    commit drops them (nothing they would send has landed).
    """
    held = _held(db.session())
    if held is not None and held.deferring and held.pending:
        held.callbacks.append(callback)
    else:
        callback()


def run_after_commit(held: Claim) -> None:
    """Start what waited for the request's COMMIT (after `holding` is left)."""
    callbacks, held.callbacks = list(held.callbacks), []
    for callback in callbacks:
        callback()


def answer(held: Claim, *, status: int, body: object = None, text: str | None = None) -> bool:
    """Record the answer in the transaction that holds the work and commit it once (inside `holding`).

    `text` is the body's JSON as it was sent (stored as is); without it `body` is serialised. False when that
    transaction has committed already (a job forced it): record it with `finish`. Raises when the COMMIT
    fails: the work may not have landed, so the caller settles the key with `fail`.
    """
    if held.broken is not None:
        raise held.broken
    if not (held.pending or held.fresh):
        return False
    session = db.session()
    if _aborted(session):  # a failed statement the work went on after: COMMIT would silently roll it all back
        raise DatabaseUnavailable(retry_after=1)
    held.deferring = False
    stored = _stored(body, text)
    params = {"p_scope": held.scope, "p_key": held.key, "p_lease": held.lease, "p_status": status, "p_body": stored}
    session.execute(_ANSWER, params)
    type(session).commit(session)
    held.pending = False
    return True


def _stored(body: object, text: str | None) -> str:
    """The answer's JSON as stored: the text that was sent when the caller has it, else `body` serialised.

    A replay decodes either and answers it with the same serialisation as the first answer.
    """
    return text if text is not None else json.dumps(body, ensure_ascii=False, default=str)


def land_pending(held: Claim, *, refused: bool) -> bool:
    """The view failed after its work asked to commit: land that work as it would have landed.

    Only what was committed is kept (nothing written since, or `_deferred_rollback` would have stopped the
    request); the record is settled in the same COMMIT: released after a refusal, its lease ended after a
    failure (retries learn the outcome is unknown). False when there was nothing to land.
    """
    if held.broken is not None or not held.pending or held.since:
        return False
    session = db.session()
    held.deferring = held.pending = False
    try:
        _discard_unflushed(session)
        (_release_writes if refused else _failure_writes)(held)
        type(session).commit(session)
    except SQLAlchemyError:
        held.callbacks[:] = []
        return False
    return True


@contextlib.contextmanager
def separate_commits() -> Iterator[None]:
    """Within the block the work's commits are real ones again (each item of a batch is its own transaction).

    What the request had deferred commits first; its answer is then recorded in a short transaction of its own.
    """
    session = db.session()
    held = _held(session)
    if held is None or not held.deferring:
        yield
        return
    if held.pending:
        held.pending = False
        type(session).commit(session)
    held.deferring = False
    try:
        yield
    finally:
        held.deferring = True


@signals.before_task_publish.connect
@signals.task_prerun.connect
def _commit_before_a_job(**_: object) -> None:
    """A job is about to be sent or run in-process: the work it reads must be committed first."""
    if not has_app_context():
        return
    session = db.session()
    held = _held(session)
    if held is None or not held.deferring or not held.pending or held.broken is not None:
        return
    held.pending = False
    try:
        type(session).commit(session)
    except Exception as exc:  # Celery swallows a signal's error: the request raises it at its answer
        held.broken = exc
        _safe_rollback()
        raise


def finish(
    *, scope: str, key: str, status: int, body: object = None, text: str | None = None, held: Claim | None = None
) -> bool:
    """Record the successful response so that retries replay it; False when it could not be recorded.

    `text`: the body's JSON as it was sent (stored as is); without it `body` is serialised.
    """
    statement = update(IdempotencyRecord).values(state=DONE, response_status=status, response_body=_stored(body, text))
    statement = _where(scope, key, statement)
    if held is not None:
        statement = statement.where(IdempotencyRecord.locked_until == held.lease)

    def write() -> None:
        if held is not None and _dropped(db.session(), held):  # rolled back, nothing written since: claim again
            _reclaim_in(db.session(), held, db.session.execute)
        db.session.execute(statement.execution_options(synchronize_session=False))

    try:
        return _write_with_retry(write)
    except Conflict:  # another request holds the key now: this answer is not the one to replay
        _safe_rollback()
        return False


def abandon(*, scope: str, key: str) -> None:
    """Release the key after a failed request whose work did not commit, so a corrected retry may use it."""
    _safe_rollback()
    statement = _where(scope, key, delete(IdempotencyRecord)).where(IdempotencyRecord.state == IN_FLIGHT)
    _write_with_retry(lambda: db.session.execute(statement))


def release(held: Claim) -> bool:
    """Forget the key whatever the work did (the request was refused: a corrected retry may use the key)."""
    _safe_rollback()
    if _never_left(held):
        return True
    return _settle(held, _release_writes)


def _never_left(held: Claim) -> bool:
    """The claim was only ever in transactions that rolled back: there is no record to settle."""
    return held.fresh and not held.attempted


def fail(held: Claim) -> bool:
    """After a server-side failure: release the key if nothing committed, else end its lease (outcome unknown).

    The record decides, not `held.committed`: a connection lost during COMMIT leaves the request unsure whether
    its work (and the marker with it) landed, and the record knows.
    """
    _safe_rollback()
    if _never_left(held):
        return True
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


def flush_pending() -> None:
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
        held.wrote = held.since = True


@event.listens_for(Session, "before_flush")
def _note_flushing(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    held = _held(session)
    if held is not None and held.pending and (session.new or session.dirty or session.deleted):
        held.since = True  # before the statements run: a failed flush has written, too


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    held = _held(state.session)
    if held is not None and not state.is_select:
        held.wrote = held.since = True


@event.listens_for(Session, "before_commit")
def _mark_committed(session: Session) -> None:
    """Put the marker into the transaction that commits the request's first write (root commits only)."""
    held = _held(session)
    if held is None or session.in_nested_transaction():
        return
    held.marking = False
    writes = held.wrote or bool(session.new or session.dirty or session.deleted)
    if held.fresh:
        session.connection()  # a transaction begun now claims the key again (after_begin) if a rollback dropped it
        if _dropped(session, held):
            _reclaim_in(session, held, session.execute)
    if held.fresh:
        # The claim row is in this transaction and already says `committed`; nobody else can have taken it.
        held.attempted = True
        if writes:
            held.marking = True
        elif held.base_state != COMMITTED:  # a commit without the work: the record lands as not yet committed
            session.execute(
                _where(held.scope, held.key, update(IdempotencyRecord))
                .where(IdempotencyRecord.locked_until == held.lease)
                .values(state=held.base_state)
                .execution_options(synchronize_session=False)
            )
        return
    if held.committed or not writes:
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
    held.fresh = held.marking = held.wrote = False


@event.listens_for(Session, "after_rollback")
def _note_rollback(session: Session) -> None:
    held = _held(session)
    if held is not None and not session.in_nested_transaction():
        held.marking = held.wrote = False


@event.listens_for(Session, "after_begin")
def _reclaim(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    """A rollback (or a lost connection) dropped the uncommitted claim: claim the key again before going on."""
    held = _held(session)
    if held is not None and not transaction.nested and held.fresh and held.transaction is not transaction:
        _reclaim_in(session, held, connection.execute, transaction)
