"""The mediation sweeps: the mediation clock (warn, then extend or close) and court delegations (periodic, safe to
repeat and to run on several workers at once)."""

from __future__ import annotations

import datetime as dt

from app.extensions import celery

SWEEP_EVERY = dt.timedelta(minutes=10)
DELEGATION_SWEEP_EVERY = dt.timedelta(minutes=10)


@celery.task(name="microcourt.mediation.clock_sweep")
def clock_sweep() -> int:
    """Send every warning due, then extend or close every period run out; the database rows say what is due."""
    from app.mediation import deadlines as mediation_deadlines
    from app.mediation import period_end

    # warnings first: a period that both warns and runs out in one sweep is still warned before it ends
    return mediation_deadlines.send_due_warnings() + period_end.end_expired()


@celery.task(name="microcourt.mediation.delegation_sweep")
def delegation_sweep() -> int:
    """Expire unanswered delegations past their due date, tell of overdue ones, finish pending carrying back."""
    from app.mediation import delegation_sweep as sweep

    return sweep.sweep()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "mediation-clock-sweep": {"task": "microcourt.mediation.clock_sweep", "schedule": SWEEP_EVERY},
    "mediation-delegation-sweep": {
        "task": "microcourt.mediation.delegation_sweep",
        "schedule": DELEGATION_SWEEP_EVERY,
    },
}
