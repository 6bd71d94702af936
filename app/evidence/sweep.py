"""The evidence clean-up sweep: abandoned uploads, orphan objects, and an integrity check of stored items.

1. Pending items whose form expired more than EVIDENCE_PENDING_GRACE_SECONDS ago are rejected
   (`evidence.upload_expired`) after their upload object is deleted.
2. Objects under `cases/*/evidence/` that no live row claims (a stored row's `object_key`, a pending or verifying
   row's `upload_key`) and that are older than EVIDENCE_ORPHAN_GRACE_SECONDS are deleted: replayed forms,
   copies of a verification job that crashed, leftovers of a delete that failed half-way. The store is listed
   page by page (one ListObjectsV2 request per page on S3) and each page's keys are looked up in one
   query, so memory and queries per object stay flat however many objects the store holds.
3. Every stored item's object is checked: missing, another size, or (with verify_hashes) another SHA-256
   is reported, never "repaired". The sweep never deletes a stored item's object.

Before the orphans, `verifying` items untouched for REQUEUE_AFTER_SECONDS (their job was lost: a worker died,
the broker was down, the store stayed down past the job's retries) get their verification job again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import or_, select, update

from app.evidence import access as evidence_access
from app.evidence import complete as evidence_complete
from app.evidence import rules as rules
from app.evidence.models import OPEN_STATUSES, EvidenceItem
from app.evidence.verify import read
from app.extensions import db, storage
from app.platform import settings
from app.storage.base import LIST_PAGE_SIZE
from app.utils import clock

log = logging.getLogger(__name__)
BATCH = 500
PAGE_SIZE = LIST_PAGE_SIZE  # objects listed, and claims looked up in one query, at a time
REPORTED_IDS = 1000  # ids named in a report; the counts are always complete
IDS = ("missing", "changed")


@dataclasses.dataclass
class SweepReport:
    """What one sweep did and found (counts are complete; `missing`/`changed` name the first REPORTED_IDS)."""

    expired: int = 0
    requeued: int = 0
    pages: int = 0
    listed: int = 0
    orphans_deleted: int = 0
    orphans_too_young: int = 0
    checked: int = 0
    missing_count: int = 0
    changed_count: int = 0
    missing: list[str] = dataclasses.field(default_factory=list)
    changed: list[str] = dataclasses.field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """No stored item is missing or changed."""
        return not self.missing_count and not self.changed_count

    def problem(self, kind: str, evidence_id: str) -> None:
        """Count a missing or changed item; name it while the list is short."""
        setattr(self, f"{kind}_count", getattr(self, f"{kind}_count") + 1)
        ids = getattr(self, kind)
        if len(ids) < REPORTED_IDS:
            ids.append(evidence_id)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (the Celery task's result, `flask evidence-sweep --json`)."""
        return {**dataclasses.asdict(self), "healthy": self.healthy}


def sweep(*, verify_hashes: bool | None = None, page_size: int = PAGE_SIZE) -> SweepReport:
    """Run the three passes; StorageUnavailable stops the sweep (nothing is deleted on a guess)."""
    if verify_hashes is None:
        verify_hashes = settings.evidence().sweep_verify_hashes
    report = SweepReport()
    report.expired = expire_abandoned()
    report.requeued = requeue_verifying()
    delete_orphans(report, page_size=page_size)
    check_stored(report, verify_hashes=verify_hashes)
    log.info("evidence sweep", extra={"report": {k: v for k, v in report.as_dict().items() if k not in IDS}})
    return report


def expire_abandoned() -> int:
    """Reject pending items past their form's expiry plus the grace period, deleting their upload objects."""
    grace = dt.timedelta(seconds=settings.evidence().pending_grace_seconds)
    cutoff = clock.now() - grace
    query = select(EvidenceItem).where(EvidenceItem.status == "pending", EvidenceItem.upload_expires_at < cutoff)
    done = 0
    # One locked item per transaction: an outage half-way leaves every decided item consistent, and a
    # `complete` running at the same time either decides first or sees the rejection.
    while (item := db.session.scalar(query.with_for_update(skip_locked=True).limit(1))) is not None:
        storage.delete(item.upload_key)
        item.status, item.rejected_at, item.rejection_reason = "rejected", clock.now(), rules.UPLOAD_EXPIRED
        evidence_access.custody(item, "rejected", actor=None, role="system", data={"reason": rules.UPLOAD_EXPIRED})
        db.session.commit()
        done += 1
    return done


def requeue_verifying(*, batch: int = BATCH) -> int:
    """Enqueue the verification job again for `verifying` items whose job was lost (untouched for a while).

    Each item's `updated_at` is moved first (a conditional UPDATE): the next sweep waits the delay again, and two
    sweeps at once enqueue an item once. A job that is in fact still running only finds the item decided.
    """
    cutoff = clock.now() - dt.timedelta(seconds=evidence_complete.REQUEUE_AFTER_SECONDS)
    stale = select(EvidenceItem.id).where(EvidenceItem.status == "verifying", EvidenceItem.updated_at < cutoff)
    ids = list(db.session.scalars(stale.order_by(EvidenceItem.updated_at).limit(batch)))
    db.session.rollback()
    done = 0
    for evidence_id in ids:
        touched = db.session.execute(
            update(EvidenceItem)
            .where(EvidenceItem.id == evidence_id, EvidenceItem.status == "verifying", EvidenceItem.updated_at < cutoff)
            .values(updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if touched.rowcount == 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
            log.warning("evidence verification re-enqueued", extra={"evidence_id": str(evidence_id)})
            evidence_complete.start(evidence_id)
            done += 1
    return done


def delete_orphans(report: SweepReport, *, page_size: int = PAGE_SIZE) -> None:
    """Delete evidence objects older than the grace period that no stored or pending row claims, page by page."""
    grace = dt.timedelta(seconds=settings.evidence().orphan_grace_seconds)
    cutoff = clock.now() - grace
    for page in storage.list_pages("cases/", page_size=page_size):
        report.pages += 1
        infos = [info for info in page if rules.KEY_PATTERN.match(info.key)]
        report.listed += len(infos)
        claimed = _claimed({info.key for info in infos}) if infos else set()
        for info in infos:
            if info.key in claimed:
                continue
            if info.last_modified is None or info.last_modified > cutoff:
                report.orphans_too_young += 1
                continue
            storage.delete(info.key)
            report.orphans_deleted += 1
            log.info("evidence orphan deleted", extra={"key": info.key, "size": info.size})


def _claimed(keys: set[str]) -> set[str]:
    """The keys among `keys` that a live row points at (read fresh, after the listing)."""
    db.session.rollback()
    rows = db.session.execute(
        select(EvidenceItem.object_key, EvidenceItem.upload_key, EvidenceItem.status).where(
            or_(EvidenceItem.object_key.in_(keys), EvidenceItem.upload_key.in_(keys))
        )
    ).all()
    claimed: set[str] = set()
    for object_key, upload_key, status in rows:
        if status == "stored" and object_key:
            claimed.add(object_key)
        if status in OPEN_STATUSES:
            claimed.update(key for key in (object_key, upload_key) if key)
    return claimed


def check_stored(report: SweepReport, *, verify_hashes: bool) -> None:
    """Report stored items whose object is missing or differs in size or SHA-256."""
    last = None
    while True:
        query = select(EvidenceItem).where(EvidenceItem.status == "stored").order_by(EvidenceItem.id).limit(BATCH)
        items = list(db.session.scalars(query if last is None else query.where(EvidenceItem.id > last)))
        if not items:
            return
        for item in items:
            report.checked += 1
            problem = _problem(item, verify_hashes=verify_hashes)
            if problem:
                report.problem(problem, str(item.id))
                log.error("stored evidence %s", problem, extra={"evidence_id": str(item.id)})
        last = items[-1].id
        db.session.rollback()


def _problem(item: EvidenceItem, *, verify_hashes: bool) -> str | None:
    """ "missing", "changed" or None for one stored item."""
    if item.object_key is None:  # a stored item always has its object: without one, it is missing
        return "missing"
    info = storage.head(item.object_key)
    if info is None:
        return "missing"
    if info.size != item.declared_size:
        return "changed"
    if not verify_hashes:
        return None
    try:
        _size, sha256, *_rest = read(storage.store, item.object_key)
    except KeyError:
        return "missing"
    return None if sha256 == item.declared_sha256 else "changed"
