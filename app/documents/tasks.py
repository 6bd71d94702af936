"""Electronic-service jobs: the periodic sweep (reminders, escalations, held documents, notification outcomes)."""

from __future__ import annotations

import datetime as dt

from app.documents import notify as delivery_notify  # noqa: F401  (registers the document notification kinds in every process)
from app.extensions import celery

SWEEP_EVERY = dt.timedelta(minutes=5)


@celery.task(name="microcourt.delivery.sweep")
def sweep_delivery() -> dict[str, int]:
    """Do whatever the database says is due; safe to run twice, even at the same time."""
    from app.documents import escalation as delivery_escalation

    return delivery_escalation.run()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "microcourt-delivery-sweep": {"task": "microcourt.delivery.sweep", "schedule": SWEEP_EVERY},
}
