"""Completing an upload: `complete` answers at once, a background job reads the object and decides.

`complete` (the request) costs the same whatever the file's size: it looks the upload up (one HEAD, no
read), moves the item `pending -> verifying` with a conditional UPDATE, commits, and only then enqueues the
verification job (JOBS_EAGER runs it right after the request's transaction). Its answers: the item
`verifying` (202), or an item already decided, unchanged (200); an error changes nothing (409 not uploaded
yet; 503 when the store fails: the item stays pending and a retry starts over). Only the call that moved
the item enqueues a job: a retry while verifying answers with the current state and starts nothing.

The job (`verify_job`) copies the upload to a key no form can write, reads the copy once (size, magic bytes,
archive trailer, SHA-256, PDF pages, see verify.py), then decides under the case and item locks: `stored`,
or `rejected` with a reason (its objects deleted first). Two jobs for one item decide once (the second finds
it decided under the lock and deletes its own copy). The store failing during the job leaves the item
`verifying` (never rejected): the job is retried with backoff, and the sweep re-enqueues a `verifying` item
whose job was lost (worker died, broker down) after REQUEUE_AFTER_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import cast

from sqlalchemy import Table, Uuid, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.cases import Case
from app.errors import Conflict, StorageUnavailable
from app.evidence import access as evidence_access
from app.evidence import rules as rules
from app.evidence import uploads as evidence_uploads
from app.evidence.models import EvidenceItem
from app.evidence.verify import Verdict, verify
from app.extensions import db, storage
from app.platform import jobs, settings, transactions
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
VERIFY_TASK = "microcourt.evidence.verify"
REQUEUE_AFTER_SECONDS = 600  # a `verifying` item untouched this long has lost its job: the sweep enqueues another


def complete(*, evidence_id: uuid.UUID, actor: Principal) -> EvidenceItem:
    """Hand the uploaded file to the verification job (idempotent); the item is `verifying` or already decided."""
    item, _facts = evidence_access.load_own_item(evidence_id, actor=actor)  # one statement (no Case entity)
    if item.status != "pending":
        return item
    now = clock.now()
    if now > item.upload_expires_at + _grace():
        return _decide(evidence_id, verdict=Verdict(rules.UPLOAD_EXPIRED, 0), attempt_key=None)
    if storage.head(item.upload_key) is None:  # StorageUnavailable: a 503 that changes nothing
        if now <= item.upload_expires_at:
            raise Conflict("The file has not been uploaded yet.", reason="evidence.not_uploaded")
        return _decide(evidence_id, verdict=Verdict(rules.UPLOAD_EXPIRED, 0), attempt_key=None)
    moved = db.session.execute(_TO_VERIFYING, {"evidence_id": evidence_id, "now": now})
    mine = moved.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
    if mine:
        # The answer is the row in hand with what this call wrote, taken out of the session before the COMMIT so
        # that the COMMIT expires nothing of it: no read of the item again after it, with or without an
        # Idempotency-Key (a deferred commit expires nothing anyway), and an eager job cannot change it.
        set_committed_value(item, "status", "verifying")
        set_committed_value(item, "updated_at", now)
        db.session.expunge(item)
        db.session.commit()
    else:
        # Another call moved it first: the answer is the state committed by then.
        db.session.commit()
        db.session.refresh(item)
        db.session.expunge(item)
    db.session.rollback()  # end the read: no connection is held while an eager job runs in this thread
    if mine:
        log.info("evidence verifying", extra={"evidence_id": str(evidence_id)})
        # After the request's one COMMIT (an Idempotency-Key defers it to the answer's), never before.
        transactions.after_commit(lambda: start(evidence_id))
    return item


# Built once with bound parameters (constructing an UPDATE and its cache key cost about a tenth of the call's CPU).
_EVIDENCE_ID = bindparam("evidence_id", type_=Uuid)
_NOW = bindparam("now", type_=EvidenceItem.__table__.c.updated_at.type)
# On the table, not the entity: the same UPDATE without the ORM's bulk-update preparation (the caller sets what it
# wrote on the row in hand itself, as synchronize_session=False left it to).
_ITEMS = cast(Table, EvidenceItem.__table__)
_TO_VERIFYING = (
    update(_ITEMS)
    .where(_ITEMS.c.id == _EVIDENCE_ID, _ITEMS.c.status == "pending")
    .values(status="verifying", updated_at=_NOW)
)
_REOPEN = (
    update(EvidenceItem)
    .where(EvidenceItem.id == _EVIDENCE_ID, EvidenceItem.status == "verifying")
    .values(status="pending", updated_at=_NOW)
    .execution_options(synchronize_session=False)
)
_CASE_OF_ITEM = select(EvidenceItem.case_id).where(EvidenceItem.id == _EVIDENCE_ID)
_LOCK_CASE = select(Case.id).where(Case.id == bindparam("case_id", type_=Uuid)).with_for_update()
_LOCK_ITEM = (
    select(EvidenceItem)
    .where(EvidenceItem.id == _EVIDENCE_ID)
    .with_for_update()
    .execution_options(populate_existing=True)
)


def start(evidence_id: uuid.UUID) -> None:
    """Enqueue the verification job; a broker that fails is logged (the sweep re-enqueues the item later)."""
    try:
        jobs.enqueue(VERIFY_TASK, str(evidence_id))
    except Exception:  # the item is committed `verifying`: the answer stands, the sweep picks the item up
        log.exception("evidence verification not enqueued", extra={"evidence_id": str(evidence_id)})


def verify_job(evidence_id: uuid.UUID) -> str:
    """Read and decide one `verifying` item: its status after the job ("skipped" when there was nothing to do).

    Raises StorageUnavailable when the store fails (the item stays `verifying`; the task retries later).
    """
    item = db.session.get(EvidenceItem, evidence_id, populate_existing=True)
    if item is None or item.status != "verifying":
        db.session.rollback()
        return "skipped"
    upload_key, expires_at, case_id = item.upload_key, item.upload_expires_at, item.case_id
    mime, size, sha256 = item.declared_type, item.declared_size, item.declared_sha256
    db.session.rollback()  # no transaction is held while the object is copied and read
    attempt_key: str | None = rules.object_key(case_id)
    assert attempt_key is not None
    try:
        storage.copy(upload_key, attempt_key)
        verdict = verify(storage.store, attempt_key, declared_type=mime, declared_size=size, declared_sha256=sha256)
    except KeyError:  # the upload seen by `complete` is gone
        _forget(attempt_key)
        if clock.now() <= expires_at:
            return _reopen(evidence_id)
        verdict, attempt_key = Verdict(rules.UPLOAD_EXPIRED, 0), None
    except StorageUnavailable:
        _forget(attempt_key)
        raise
    return _decide(evidence_id, verdict=verdict, attempt_key=attempt_key).status


def _grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.evidence().pending_grace_seconds)


def _reopen(evidence_id: uuid.UUID) -> str:
    """The upload vanished before its form expired: back to `pending`, so the phone can post it and complete again."""
    db.session.execute(_REOPEN, {"evidence_id": evidence_id, "now": clock.now()})
    db.session.commit()
    log.warning("evidence upload vanished while verifying", extra={"evidence_id": str(evidence_id)})
    return "pending"


def _locked(evidence_id: uuid.UUID) -> EvidenceItem | None:
    """The item under the case and item locks, in that order (as every writer takes them)."""
    db.session.rollback()  # end any read transaction: the locks below must see the latest rows
    case_id = db.session.scalar(_CASE_OF_ITEM, {"evidence_id": evidence_id})
    if case_id is None:
        return None
    db.session.execute(_LOCK_CASE, {"case_id": case_id})
    return db.session.scalar(_LOCK_ITEM, {"evidence_id": evidence_id})


def _decide(evidence_id: uuid.UUID, *, verdict: Verdict, attempt_key: str | None) -> EvidenceItem:
    """Under the case and item locks: store or reject, unless another call or job decided first."""
    item = _locked(evidence_id)
    if item is None or item.status not in ("pending", "verifying"):
        db.session.commit()
        _forget(attempt_key)
        if item is None:
            raise evidence_access.not_found()
        return item
    reason = verdict.reason or evidence_uploads.limit_breach(
        case_id=item.case_id,
        party_id=item.party_id,
        user_id=item.uploaded_by_user_id,
        mime=item.declared_type,
        size=item.declared_size,
        statuses=("stored",),
        exclude=item.id,
    )
    if reason:
        return _reject(item, reason=reason, verdict=verdict, attempt_key=attempt_key)
    item.status, item.object_key, item.stored_at = "stored", attempt_key, clock.now()
    item.detected_type, item.page_count = verdict.detected_type, verdict.page_count
    evidence_access.custody(item, "stored", actor=None, role="system", data={"size": verdict.size})
    db.session.commit()
    log.info("evidence stored", extra={"evidence_id": str(item.id), "size": verdict.size})
    _forget(item.upload_key)  # the form may still be replayed: whatever it writes is an orphan for the sweep
    return item


def _reject(item: EvidenceItem, *, reason: str, verdict: Verdict, attempt_key: str | None) -> EvidenceItem:
    """Delete the item's objects first (a store failure here changes nothing), then record the rejection."""
    for key in (attempt_key, item.upload_key):
        if key:
            storage.delete(key)
    item.status, item.rejected_at, item.rejection_reason = "rejected", clock.now(), reason
    data = {"reason": reason, "size": verdict.size, "computed_sha256": verdict.sha256}
    evidence_access.custody(item, "rejected", actor=None, role="system", data=data)
    db.session.commit()
    log.info("evidence rejected", extra={"evidence_id": str(item.id), "reason": reason})
    return item


def _forget(key: str | None) -> None:
    """Best-effort delete of an object nobody will point at; the sweep removes it if this fails."""
    if not key:
        return
    try:
        storage.delete(key)
    except StorageUnavailable:
        log.warning("evidence object left for the sweep", extra={"key": key})
