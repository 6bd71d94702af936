"""Notification jobs: SMS sends, retried with backoff; a sweep re-enqueues anything left queued."""

from __future__ import annotations

import uuid

from app.extensions import celery


@celery.task(name="microcourt.sms.send", bind=True, max_retries=5, default_retry_delay=30)
def send_sms(self, message_id: str) -> str:
    """Send one SMS from the outbox; a retryable failure is retried with exponential backoff."""
    from app.notifications import sms_outbox as notifications_sms

    status = notifications_sms.send(uuid.UUID(message_id))
    if status == "queued" and not self.request.is_eager:
        raise self.retry(countdown=30 * 2**self.request.retries)
    return status


@celery.task(name="microcourt.sms.sweep")
def sweep_sms() -> int:
    """Re-enqueue queued messages whose job was lost (the row is the source of truth)."""
    from app.notifications import sms_outbox as notifications_sms

    ids = notifications_sms.pending_ids()
    for message_id in ids:
        send_sms.delay(str(message_id))
    return len(ids)
