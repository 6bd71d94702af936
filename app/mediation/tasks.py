"""The mediation clock sweep: warn mediators before their mediation period ends (periodic, safe to repeat)."""

from __future__ import annotations

import datetime as dt

from app.extensions import celery

SWEEP_EVERY = dt.timedelta(minutes=10)


@celery.task(name="microcourt.mediation.clock_sweep")
def clock_sweep() -> int:
    """Send every warning that is due and not yet sent; the database rows say what is due."""
    from app.mediation import deadlines as mediation_deadlines

    return mediation_deadlines.send_due_warnings()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "mediation-clock-sweep": {"task": "microcourt.mediation.clock_sweep", "schedule": SWEEP_EVERY},
}
