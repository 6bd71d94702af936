"""The mediation clock sweep: warn before the period ends, then extend or close it (periodic, safe to repeat)."""

from __future__ import annotations

import datetime as dt

from app.extensions import celery

SWEEP_EVERY = dt.timedelta(minutes=10)


@celery.task(name="microcourt.mediation.clock_sweep")
def clock_sweep() -> int:
    """Send every warning due, then extend or close every period run out; the database rows say what is due."""
    from app.mediation import deadlines as mediation_deadlines
    from app.mediation import period_end

    # warnings first: a period that both warns and runs out in one sweep is still warned before it ends
    return mediation_deadlines.send_due_warnings() + period_end.end_expired()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "mediation-clock-sweep": {"task": "microcourt.mediation.clock_sweep", "schedule": SWEEP_EVERY},
}
