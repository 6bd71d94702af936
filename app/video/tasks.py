"""Video jobs (thin wrappers): copy one recording into the store; dismiss a closed room at TRTC; the sweep for lost
copies and expired ones."""

from __future__ import annotations

import uuid

from app.extensions import celery
from app.platform.outbox import backoff_seconds
from app.video import callbacks, recordings, rooms, trtc_api

SWEEP_EVERY_SECONDS = 600.0


@celery.task(name=callbacks.COPY_TASK)
def copy_recording(recording_id: str) -> str:
    """Stream one recording from the provider into the blob store, hashing it (pending -> stored | failed)."""
    return recordings.copy(uuid.UUID(recording_id))


@celery.task(name=rooms.DISMISS_TASK, bind=True, max_retries=8)
def dismiss_room(self, room_id: str) -> str:
    """Dismiss a closed room at TRTC (everyone in it is put out); TRTC down or refusing: retried with backoff."""
    try:
        return rooms.dismiss(room_id)
    except trtc_api.TrtcApiError:
        if self.request.is_eager:  # the embedded mode retries in its thread (app/video/background.py)
            raise
        raise self.retry(countdown=backoff_seconds(self.request.retries + 1, base=30, cap=3600, jitter=False)) from None


@celery.task(name="microcourt.video.sweep")
def sweep_recordings() -> dict:
    """Re-enqueue lost copies; delete copies past VIDEO_RECORDING_RETENTION_DAYS (audited)."""
    return recordings.sweep(callbacks.COPY_TASK)


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "video-sweep": {"task": "microcourt.video.sweep", "schedule": SWEEP_EVERY_SECONDS},
}
