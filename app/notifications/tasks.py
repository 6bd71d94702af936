"""Notification delivery jobs (thin wrappers over app.notifications.dispatch): one delivery; the sweep."""

from __future__ import annotations

import uuid

from app.extensions import celery
from app.notifications import dispatch as notifications
from app.notifications import email_outbox

SWEEP_EVERY_SECONDS = 60


@celery.task(name=notifications.DELIVER_TASK)
def deliver_notification(notification_id: str) -> str:
    """Deliver one notification (a second delivery of the same row does nothing: the row is claimed)."""
    return notifications.deliver(uuid.UUID(notification_id))


@celery.task(name="microcourt.notifications.sweep")
def sweep_notifications() -> int:
    """Re-enqueue notifications left pending, or claimed by a worker that died (the row is the source of truth)."""
    return notifications.sweep()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "notifications-sweep": {"task": "microcourt.notifications.sweep", "schedule": float(SWEEP_EVERY_SECONDS)},
}


@celery.task(name=email_outbox.SEND_TASK, bind=True, max_retries=email_outbox.MAX_ATTEMPTS)
def send_email(self, message_id: str) -> str:
    """Send one e-mail from the outbox; a retryable failure is retried when its backoff is over."""
    status = email_outbox.send(uuid.UUID(message_id))
    delay = email_outbox.retry_delay(uuid.UUID(message_id))
    if status == "queued" and delay is not None and not self.request.is_eager:
        raise self.retry(countdown=delay)
    return status


@celery.task(name="microcourt.email.sweep")
def sweep_email() -> int:
    """Re-enqueue e-mails that are due and whose job was lost or whose retry wait is over."""
    return email_outbox.sweep()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "email-sweep": {"task": "microcourt.email.sweep", "schedule": float(SWEEP_EVERY_SECONDS)},
}
