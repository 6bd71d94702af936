"""The embedded scheduler: beat's entries run when due on a fake clock, one leader, errors contained."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from celery.schedules import crontab

import config
from app.extensions import celery
from app.platform import scheduler

T0 = dt.datetime(2026, 12, 6, 8, 0, 30, tzinfo=dt.UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


_built: list[scheduler.Scheduler] = []


@pytest.fixture(autouse=True)
def _release_locks():
    """Close every lock file a test opened."""
    yield
    while _built:
        _built.pop().stop()


def build(tmp_path, beat_schedule, run, now):
    lock = scheduler.LeaderLock(str(tmp_path / "scheduler.lock"))
    _built.append(scheduler.Scheduler(scheduler.entries_from(beat_schedule), run, lock, now=now))
    return _built[-1]


BEAT = {
    "every-30s": {"task": "t.fast", "schedule": 30.0},
    "every-5min": {"task": "t.slow", "schedule": dt.timedelta(minutes=5), "args": (1,)},
    "hourly-at-10": {"task": "t.cron", "schedule": crontab(minute=10)},
}


def test_intervals_and_crontab_are_honoured_on_a_fake_clock(tmp_path):
    now, ran = FakeClock(), []
    sched = build(tmp_path, BEAT, lambda task, args, kwargs: ran.append((task, args)), now)
    # becoming leader runs everything once (what fell due while no scheduler ran)
    assert sched.step() == ["every-30s", "every-5min", "hourly-at-10"]
    assert ran[1] == ("t.slow", (1,))
    now.advance(seconds=29)
    assert sched.step() == []
    now.advance(seconds=1)
    assert sched.step() == ["every-30s"]
    now.advance(minutes=4, seconds=30)  # 08:05:30: the 5-minute entry, and the 30 s one once (not 9 times)
    assert sched.step() == ["every-30s", "every-5min"]
    now.at = dt.datetime(2026, 12, 6, 8, 9, 59, tzinfo=dt.UTC)
    assert "hourly-at-10" not in sched.step()
    now.at = dt.datetime(2026, 12, 6, 8, 10, 0, tzinfo=dt.UTC)
    assert "hourly-at-10" in sched.step()
    assert sched.entries[2].next_at == dt.datetime(2026, 12, 6, 9, 10, tzinfo=dt.UTC)


def test_a_failing_task_is_logged_and_the_others_still_run(tmp_path, caplog):
    now, ran = FakeClock(), []

    def run(task, args, kwargs):
        if task == "t.fast":
            raise RuntimeError("boom")
        ran.append(task)

    sched = build(tmp_path, BEAT, run, now)
    assert sched.step() == ["every-30s", "every-5min", "hourly-at-10"]
    assert ran == ["t.slow", "t.cron"]
    assert "t.fast failed" in caplog.text
    now.advance(seconds=30)
    assert sched.step() == ["every-30s"]  # still on its schedule after failing


def test_one_leader_among_schedulers_and_takeover_when_it_stops(tmp_path):
    now, ran = FakeClock(), []
    first = build(tmp_path, BEAT, lambda task, args, kwargs: ran.append(("first", task)), now)
    second = build(tmp_path, BEAT, lambda task, args, kwargs: ran.append(("second", task)), now)
    assert first.step() and second.step() == []
    now.advance(seconds=30)
    assert second.step() == [] and first.step() == ["every-30s"]
    first.stop()  # the leader goes away (a dead process releases its lock the same way)
    assert second.step() == ["every-30s", "every-5min", "hourly-at-10"]


def test_the_thread_steps_until_stopped(tmp_path):
    done = threading.Event()
    lock = scheduler.LeaderLock(str(tmp_path / "scheduler.lock"))
    entries = scheduler.entries_from({"x": {"task": "t.x", "schedule": 0.05}})
    calls = []

    def run(task, args, kwargs):
        calls.append(task)
        if len(calls) >= 3:
            done.set()

    sched = scheduler.Scheduler(entries, run, lock, tick_seconds=0.01)
    sched.start()
    try:
        assert done.wait(5)
    finally:
        sched.stop()
    assert not sched.leading and lock.acquire()  # the lock was given up
    lock.release()


def test_every_periodic_task_of_the_code_base_is_read(app):
    names = {entry.task for entry in scheduler.entries_from(celery.conf.beat_schedule)}
    assert {
        "microcourt.reminders.send_due",
        "microcourt.delivery.sweep",
        "microcourt.mediation.clock_sweep",
        "microcourt.webhooks.sweep",
        "microcourt.evidence.sweep",
        "microcourt.stats.rollup",
        "microcourt.sms.sweep",
        "microcourt.notifications.sweep",
    } <= names
    assert all(name in celery.tasks for name in names)
    for entry in scheduler.entries_from(celery.conf.beat_schedule):
        assert scheduler.next_run(entry.schedule, T0) is not None, entry.name


def test_the_runner_runs_a_task_by_name_in_an_app_context(app):
    scheduler.task_runner(app)("microcourt.reminders.send_due", (), {})  # nothing due: runs and returns


def test_on_by_default_only_in_development_with_inline_jobs(app):
    assert config.DevelopmentConfig({}).EMBEDDED_SCHEDULER is True
    assert config.DevelopmentConfig({"JOBS_EAGER": "0"}).EMBEDDED_SCHEDULER is False
    assert config.TestingConfig({}).EMBEDDED_SCHEDULER is False
    assert config.ProductionConfig({}).EMBEDDED_SCHEDULER is False
    assert any("EMBEDDED_SCHEDULER" in p for p in config.ProductionConfig({"EMBEDDED_SCHEDULER": "1"}).problems())
    assert scheduler.start_embedded(app) is None  # the test app does not start one


def test_celery_success_lines_from_the_scheduler_thread_are_dropped_failures_kept():
    quiet = scheduler.QuietRoutineRuns()
    seen = {}

    def judge():
        info = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, "succeeded", None, None)
        error = logging.LogRecord("celery.app.trace", logging.ERROR, __file__, 1, "raised", None, None)
        seen[threading.current_thread().name] = (quiet.filter(info), quiet.filter(error))

    for name in (scheduler.THREAD_NAME, "request-thread"):
        thread = threading.Thread(target=judge, name=name)
        thread.start()
        thread.join()
    assert seen == {scheduler.THREAD_NAME: (False, True), "request-thread": (True, True)}


def test_a_flask_app_that_is_not_micro_court_starts_no_scheduler():
    """bench/hello_app.py runs under the same gunicorn.conf.py: its workers must boot (the ceiling benchmark)."""
    from flask import Flask

    assert scheduler.start_embedded(Flask("hello")) is None
