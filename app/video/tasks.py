"""Video jobs (thin wrappers): copy one recording into the store; the sweep for lost copies and expired ones."""

from __future__ import annotations

import uuid

from app.extensions import celery
from app.video import callbacks, recordings

SWEEP_EVERY_SECONDS = 600.0


@celery.task(name=callbacks.COPY_TASK)
def copy_recording(recording_id: str) -> str:
    """Stream one recording from the provider into the blob store, hashing it (pending -> stored | failed)."""
    return recordings.copy(uuid.UUID(recording_id))


@celery.task(name="microcourt.video.sweep")
def sweep_recordings() -> dict:
    """Re-enqueue lost copies; delete copies past VIDEO_RECORDING_RETENTION_DAYS (audited)."""
    return recordings.sweep(callbacks.COPY_TASK)


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "video-sweep": {"task": "microcourt.video.sweep", "schedule": SWEEP_EVERY_SECONDS},
}
