"""Payment jobs on beat's schedule: the pending-order sweep (lost notifications) and the daily reconciliation."""

from __future__ import annotations

import datetime as dt

from celery.schedules import crontab

from app.extensions import celery

SWEEP_TASK = "microcourt.payments.sweep"
RECONCILE_TASK = "microcourt.payments.reconcile"
SWEEP_EVERY_SECONDS = 60.0
# WeChat Pay publishes a day's bill after 10:00 China Standard Time; beat runs in UTC (02:30 UTC = 10:30 CST).
RECONCILE_AT = crontab(hour=2, minute=30)


@celery.task(name=SWEEP_TASK)
def sweep_pending() -> dict[str, int]:
    """Query orders (and refunds) pending past PAYMENT_QUERY_AFTER_MINUTES; close the expired orders."""
    from app.payments import orders, refunds
    from app.platform import settings

    if not settings.payments().enabled:
        return {}
    return {**orders.sweep(), "refunds_settled": refunds.sweep()}


@celery.task(name=RECONCILE_TASK)
def reconcile(bill_date: str | None = None) -> str:
    """Reconcile a day's bill (default: yesterday, China Standard Time) against the ledger."""
    from app.payments import reconciliation
    from app.platform import settings
    from app.utils import clock

    if not settings.payments().enabled:
        return "disabled"
    day = dt.date.fromisoformat(bill_date) if bill_date else clock.now_shanghai().date() - dt.timedelta(days=1)
    return str(reconciliation.run(bill_date=day)["status"])


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "payments-sweep": {"task": SWEEP_TASK, "schedule": SWEEP_EVERY_SECONDS},
    "payments-reconcile": {"task": RECONCILE_TASK, "schedule": RECONCILE_AT},
}
