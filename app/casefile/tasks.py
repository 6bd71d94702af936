"""Case-file and archive jobs (thin wrappers): build one archive; the sweep for lost builds and old archives."""

from __future__ import annotations

import uuid

from app.casefile import builds, service
from app.extensions import celery

SWEEP_EVERY_SECONDS = 300.0
BUILD_TASKS = {service.PARTY: service.TASK, service.COURT: service.TASK, "personal_data": "microcourt.privacy.build"}


@celery.task(name=service.TASK)
def build_case_file(build_id: str) -> str:
    """Build one case file (queued -> building -> ready | failed)."""
    return service.run_build(uuid.UUID(build_id))


@celery.task(name="microcourt.casefile.sweep")
def sweep_archives() -> int:
    """Re-enqueue builds whose job was lost; delete archives past ARCHIVE_RETENTION_HOURS."""
    return builds.sweep(BUILD_TASKS)


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "casefile-sweep": {"task": "microcourt.casefile.sweep", "schedule": SWEEP_EVERY_SECONDS},
}
