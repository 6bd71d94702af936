"""The evidence clean-up sweep as a Celery task, run periodically by beat (EVIDENCE_SWEEP_INTERVAL_SECONDS)."""

from __future__ import annotations

from app.extensions import celery
from app.platform import settings

TASK_NAME = "microcourt.evidence.sweep"
SCHEDULE_NAME = "evidence-sweep"


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
