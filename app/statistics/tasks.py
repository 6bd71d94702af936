"""The statistics summary roll-up as a Celery task, hourly on beat's schedule (so also just after midnight)."""

from __future__ import annotations

from celery.schedules import crontab

from app.extensions import celery

TASK_NAME = "microcourt.stats.rollup"
SCHEDULE_NAME = "stats-rollup"
# Beat runs in UTC; minute 10 of every hour includes 00:10 Asia/Shanghai (UTC+8, no daylight saving), right
# after a day ends and statistics_rollup.SETTLE has passed; the other runs catch up on days a run missed.
RUN_AT_MINUTE = 10


@celery.task(name=TASK_NAME)
def rollup_statistics() -> dict[str, int]:
    """Summarise every past day of the window that is not summarised yet (safe to repeat or overlap)."""
    from app.statistics import rollup as statistics_rollup

    return statistics_rollup.rollup_missing().as_dict()


celery.conf.beat_schedule = {
    **(celery.conf.beat_schedule or {}),
    SCHEDULE_NAME: {"task": TASK_NAME, "schedule": crontab(minute=RUN_AT_MINUTE)},
}
