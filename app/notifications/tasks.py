"""Notification jobs: deliver one notification; a periodic sweep re-enqueues the ones no worker finished."""

from __future__ import annotations

import uuid

from app.extensions import celery

SWEEP_EVERY_SECONDS = 60


@celery.task(name="microcourt.notifications.deliver")
def deliver_notification(notification_id: str) -> str:
    """Deliver one notification (a second delivery of the same row does nothing: the row is claimed)."""
    from app.notifications import dispatch as notifications

    return notifications.deliver(uuid.UUID(notification_id))


@celery.task(name="microcourt.notifications.sweep")
def sweep_notifications() -> int:
    """Re-enqueue notifications left pending, or claimed by a worker that died (the row is the source of truth)."""
    from app.notifications import dispatch as notifications

    ids = notifications.stuck_ids()
    for notification_id in ids:
        deliver_notification.delay(str(notification_id))
    return len(ids)


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "notifications-sweep": {"task": "microcourt.notifications.sweep", "schedule": float(SWEEP_EVERY_SECONDS)},
}
