"""Notification delivery jobs (thin wrappers over app.notifications.dispatch): one delivery; the sweep."""

from __future__ import annotations

import uuid

from app.extensions import celery
from app.notifications import dispatch as notifications

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
