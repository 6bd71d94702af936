"""Evidence jobs (thin wrappers): verifying one completed upload; the clean-up sweep, run periodically by beat
(EVIDENCE_SWEEP_INTERVAL_SECONDS)."""

from __future__ import annotations

import logging
import uuid

from app.errors import StorageUnavailable
from app.evidence import complete as evidence_complete
from app.extensions import celery
from app.platform import settings
from app.platform.outbox import backoff_seconds

log = logging.getLogger(__name__)

TASK_NAME = "microcourt.evidence.sweep"
SCHEDULE_NAME = "evidence-sweep"


@celery.task(name=evidence_complete.VERIFY_TASK, bind=True, max_retries=8)
def verify_evidence(self, evidence_id: str) -> str:
    """Read, hash and decide one `verifying` item (-> stored | rejected); the store down: retried with backoff.

    The item stays `verifying` while the store is down (never rejected for it). In the embedded mode
    (JOBS_EAGER) the job ran in the request's thread: it is not retried there, the sweep re-enqueues it.
    """
    try:
        return evidence_complete.verify_job(uuid.UUID(evidence_id))
    except StorageUnavailable:
        if self.request.is_eager:
            log.warning("evidence verification waits for the store", extra={"evidence_id": evidence_id})
            return "verifying"
        raise self.retry(countdown=backoff_seconds(self.request.retries + 1, base=30, cap=1800, jitter=False)) from None


@celery.task(name=TASK_NAME)
def sweep_evidence(verify_hashes: bool | None = None, page_size: int | None = None) -> dict[str, object]:
    """Expire abandoned uploads, delete orphan objects, report stored items that are missing or changed."""
    from app.evidence import sweep as evidence_sweep

    size = page_size or evidence_sweep.PAGE_SIZE
    return evidence_sweep.sweep(verify_hashes=verify_hashes, page_size=size).as_dict()


def _schedule() -> None:
    """Add the sweep to beat's schedule, at the interval configured for the app Celery is bound to."""
    app = getattr(celery, "flask_app", None)
    interval = settings.evidence(app).sweep_interval_seconds if app is not None else 3600
    schedule = dict(celery.conf.beat_schedule or {})
    schedule[SCHEDULE_NAME] = {"task": TASK_NAME, "schedule": float(interval)}
    celery.conf.beat_schedule = schedule


_schedule()
