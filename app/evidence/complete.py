"""Completing an upload: copy it to a key no form can write, read the copy once, then decide under locks.

Outcomes: `stored` (verified), `rejected` with a reason (its objects deleted first), or an error that
changes nothing (409 not uploaded yet; 503 when the store fails: the item stays pending, private, and a
retry starts over). Repeating the call on a decided item returns it unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from app.errors import Conflict, StorageUnavailable
from app.evidence import access as evidence_access
from app.evidence import rules as rules
from app.evidence import uploads as evidence_uploads
from app.evidence.models import EvidenceItem
from app.evidence.verify import Verdict, verify
from app.extensions import db, storage
from app.platform import settings
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)


def complete(*, evidence_id: uuid.UUID, actor: Principal) -> EvidenceItem:
    """Verify the uploaded file and store or reject the item (idempotent)."""
    item, _case, _facts = evidence_access.load_own(evidence_id, actor=actor)
    if item.status != "pending":
        return item
    now = clock.now()
    if now > item.upload_expires_at + _grace():
        return _decide(evidence_id, actor=actor, verdict=Verdict(rules.UPLOAD_EXPIRED, 0), attempt_key=None)
    attempt_key = rules.object_key(item.case_id)
    try:
        storage.copy(item.upload_key, attempt_key)
        verdict = verify(
            storage.store,
            attempt_key,
            declared_type=item.declared_type,
            declared_size=item.declared_size,
            declared_sha256=item.declared_sha256,
        )
    except KeyError:
        if now <= item.upload_expires_at:
            raise Conflict("The file has not been uploaded yet.", reason="evidence.not_uploaded") from None
        verdict = Verdict(rules.UPLOAD_EXPIRED, 0)
    except StorageUnavailable:
        _forget(attempt_key)
        raise
    return _decide(evidence_id, actor=actor, verdict=verdict, attempt_key=attempt_key)


def _grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.evidence().pending_grace_seconds)


def _decide(evidence_id: uuid.UUID, *, actor: Principal, verdict: Verdict, attempt_key: str | None) -> EvidenceItem:
    """Under the case and item locks: store or reject, unless another call decided first."""
    db.session.rollback()  # end the read transaction: the locks below must see the latest rows
    item, case, facts = evidence_access.load_own(evidence_id, actor=actor, lock=True)
    role = evidence_access.actor_role(actor, facts)
    if item.status != "pending":
        _forget(attempt_key)
        return item
    reason = verdict.reason or evidence_uploads.limit_breach(
        case_id=case.id,
        party_id=item.party_id,
        user_id=item.uploaded_by_user_id,
        mime=item.declared_type,
        size=item.declared_size,
        statuses=("stored",),
        exclude=item.id,
    )
    if reason:
        return _reject(item, reason=reason, verdict=verdict, attempt_key=attempt_key, actor=actor, role=role)
    item.status, item.object_key, item.stored_at = "stored", attempt_key, clock.now()
    item.detected_type, item.page_count = verdict.detected_type, verdict.page_count
    evidence_access.custody(item, "stored", actor=actor, role=role, data={"size": verdict.size})
    db.session.commit()
    log.info("evidence stored", extra={"evidence_id": str(item.id), "size": verdict.size})
    _forget(item.upload_key)  # the form may still be replayed: whatever it writes is an orphan for the sweep
    return item


def _reject(
    item: EvidenceItem, *, reason: str, verdict: Verdict, attempt_key: str | None, actor: Principal, role: str
) -> EvidenceItem:
    """Delete the item's objects first (a 503 here changes nothing), then record the rejection."""
    for key in (attempt_key, item.upload_key):
        if key:
            storage.delete(key)
    item.status, item.rejected_at, item.rejection_reason = "rejected", clock.now(), reason
    data = {"reason": reason, "size": verdict.size, "computed_sha256": verdict.sha256}
    evidence_access.custody(item, "rejected", actor=actor, role=role, data=data)
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
