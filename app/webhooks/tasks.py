"""Webhook jobs: one delivery attempt per task; a periodic sweep sends whatever is due (rows drive retries)."""

from __future__ import annotations

import uuid

from app.extensions import celery


@celery.task(name="microcourt.webhooks.deliver")
def deliver_webhook(delivery_id: str) -> str:
    """Attempt one webhook delivery (a no-op unless it is due and unclaimed)."""
    from app.webhooks import deliveries as webhooks

    return webhooks.send(uuid.UUID(delivery_id))


@celery.task(name="microcourt.webhooks.sweep")
def sweep_webhooks() -> int:
    """Enqueue every due delivery: first attempts whose job was lost and retries whose backoff has passed."""
    from flask import current_app

    from app.webhooks import deliveries as webhooks

    ids = webhooks.due_ids(limit=current_app.config["DELIVERY_SWEEP_BATCH"])
    for delivery_id in ids:
        deliver_webhook.delay(str(delivery_id))
    return len(ids)


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "microcourt-webhooks-sweep": {"task": "microcourt.webhooks.sweep", "schedule": 30.0},
}
