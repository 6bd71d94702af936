"""Reminder jobs: every minute, turn due session reminders into notifications (each exactly once)."""

from __future__ import annotations

from app.extensions import celery

RUN_EVERY_SECONDS = 60


@celery.task(name="microcourt.reminders.send_due")
def send_due_reminders() -> int:
    """Hand every due reminder to the notification path; rows claimed by an overlapping run are skipped."""
    from app.scheduling import reminders as mediation_sessions_reminders

    return mediation_sessions_reminders.send_due()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    "session-reminders": {"task": "microcourt.reminders.send_due", "schedule": float(RUN_EVERY_SECONDS)},
}
