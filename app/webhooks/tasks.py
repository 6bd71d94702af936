"""Webhook jobs (thin wrappers over app.webhooks.deliveries): one delivery attempt; the sweep of due rows."""

from __future__ import annotations

import uuid

from app.extensions import celery
from app.webhooks import deliveries as webhooks


@celery.task(name=webhooks.DELIVER_TASK)
def deliver_webhook(delivery_id: str) -> str:
    """Attempt one webhook delivery (a no-op unless it is due and unclaimed)."""
    return webhooks.send(uuid.UUID(delivery_id))


@celery.task(name="microcourt.webhooks.sweep")
def sweep_webhooks() -> int:
    """Enqueue every due delivery: first attempts whose job was lost and retries whose backoff has passed."""
    return webhooks.sweep()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "microcourt-webhooks-sweep": {"task": "microcourt.webhooks.sweep", "schedule": 30.0},
}
