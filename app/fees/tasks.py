"""The fee sweep: reminders before the last day to pay, then notices past it go to the clerk's queue
(periodic, safe to repeat: each reminder and each flag is written once)."""

from __future__ import annotations

import datetime as dt

from app.extensions import celery

SWEEP_EVERY = dt.timedelta(minutes=30)


@celery.task(name="microcourt.fees.sweep")
def fee_sweep() -> int:
    """Send the reminders due and flag the notices whose time to pay has run out."""
    from app.fees import overdue

    return overdue.send_due_reminders() + overdue.flag_overdue()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "fees-sweep": {"task": "microcourt.fees.sweep", "schedule": SWEEP_EVERY},
}
