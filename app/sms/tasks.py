"""SMS jobs (thin wrappers over app.sms.outbox): one send, retried with exponential backoff; the sweep."""

from __future__ import annotations

import uuid

from app.extensions import celery
from app.platform.outbox import backoff_seconds
from app.sms import outbox as sms_outbox

SWEEP_EVERY_SECONDS = 60.0


@celery.task(name=sms_outbox.SEND_TASK, bind=True, max_retries=sms_outbox.MAX_ATTEMPTS, default_retry_delay=30)
def send_sms(self, message_id: str) -> str:
    """Send one SMS from the outbox; a retryable failure is retried after 30, 60, 120 ... seconds."""
    status = sms_outbox.send(uuid.UUID(message_id))
    if status == "queued" and not self.request.is_eager:
        delay = backoff_seconds(self.request.retries + 1, base=sms_outbox.RETRY_BASE_SECONDS, jitter=False)
        raise self.retry(countdown=delay)
    return status


@celery.task(name="microcourt.sms.sweep")
def sweep_sms() -> int:
    """Re-enqueue queued messages whose job was lost (the row is the source of truth)."""
    return sms_outbox.sweep()


# A lost job (a worker killed between the commit and the send) delays a login code by a minute, never loses it.
celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "sms-sweep": {"task": "microcourt.sms.sweep", "schedule": SWEEP_EVERY_SECONDS},
}
