"""Electronic-service jobs (a thin wrapper over app.documents.escalation): the periodic delivery sweep.

Importing escalation imports notify, which registers the document notification kinds in every worker.
"""

from __future__ import annotations

import datetime as dt

from app.documents import escalation as delivery_escalation
from app.extensions import celery

SWEEP_EVERY = dt.timedelta(minutes=5)


@celery.task(name="microcourt.delivery.sweep")
def sweep_delivery() -> dict[str, int]:
    """Do whatever the database says is due; safe to run twice, even at the same time."""
    return delivery_escalation.run()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "microcourt-delivery-sweep": {"task": "microcourt.delivery.sweep", "schedule": SWEEP_EVERY},
}
