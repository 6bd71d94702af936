"""Legal effect sweep: decisions nobody appealed in time become effective (periodic, safe to repeat or race)."""

from __future__ import annotations

import datetime as dt

from app.extensions import celery

SWEEP_EVERY = dt.timedelta(minutes=10)


@celery.task(name="microcourt.litigation.effect_sweep")
def effect_sweep() -> int:
    """Mark effective every decision whose last party's appeal period ended without an appeal."""
    from app.litigation import effect

    return effect.mark_effective()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "litigation-effect-sweep": {"task": "microcourt.litigation.effect_sweep", "schedule": SWEEP_EVERY},
}
