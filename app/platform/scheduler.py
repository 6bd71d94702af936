"""The embedded scheduler: under `make run` it runs Celery beat's periodic tasks in-process, one leader at a time.

Production runs `celery beat` (one instance). The embedded default has no beat, so without this nothing would
send due reminders, escalate unopened documents, warn of the mediation clock, retry webhooks, sweep evidence or
roll up statistics. The schedule is Celery's own `beat_schedule` (each domain's tasks.py adds its entries), so
both run the same tasks at the same intervals. Every gunicorn process may start a scheduler; a lock file per
database in the temporary folder (an fcntl lock, released by the kernel when its holder dies) elects one leader,
and the others retry each tick, so a dead leader is replaced within a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from typing import IO, Any

from celery.schedules import crontab, maybe_schedule
from celery.schedules import schedule as interval_schedule
from flask import Flask

from app.extensions import celery
from app.platform import settings
from app.utils import clock

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
THREAD_NAME = "embedded-scheduler"
CRONTAB_HORIZON = dt.timedelta(days=366)

Runner = Callable[[str, tuple, dict], None]


@dataclasses.dataclass
class Entry:
    """One beat entry and when it is next due (None: never, its schedule is a kind this scheduler cannot read)."""

    name: str
    task: str
    schedule: Any
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    next_at: dt.datetime | None = None


def entries_from(beat_schedule: Mapping[str, Mapping[str, Any]]) -> list[Entry]:
    """Beat's entries (float seconds, timedelta or crontab schedules) in name order."""
    found = []
    for name, spec in sorted(beat_schedule.items()):
        found.append(
            Entry(
                name=name,
                task=spec["task"],
                schedule=maybe_schedule(spec["schedule"]),
                args=tuple(spec.get("args") or ()),
                kwargs=dict(spec.get("kwargs") or {}),
            )
        )
    return found


def next_run(schedule: Any, after: dt.datetime) -> dt.datetime | None:
    """The first time after `after` the schedule fires: interval from `after`, crontab fields evaluated in UTC."""
    if isinstance(schedule, crontab):
        minute = after.astimezone(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        end = minute + CRONTAB_HORIZON
        while minute < end:
            if _cron_matches(schedule, minute):
                return minute
            minute += dt.timedelta(minutes=1)
        return None
    if isinstance(schedule, interval_schedule):
        return after + schedule.run_every
    return None


def _cron_matches(cron: crontab, at: dt.datetime) -> bool:
    return (
        at.minute in cron.minute
        and at.hour in cron.hour
        and at.isoweekday() % 7 in cron.day_of_week  # celery counts Sunday as 0
        and at.day in cron.day_of_month
        and at.month in cron.month_of_year
    )


class LeaderLock:
    """A non-blocking exclusive lock on a file: one holder among every process on the machine."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        """True if this holder has the lock (taking it when it is free)."""
        if self._file is not None:
            return True
        handle = open(self.path, "a+b")  # noqa: SIM115  (kept open while the lock is held)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        """Give the lock up (closing the file releases it)."""
        if self._file is not None:
            self._file.close()
            self._file = None


class Scheduler:
    """Runs due entries on each step while it holds the leader lock; errors are logged, never raised."""

    def __init__(
        self,
        entries: list[Entry],
        run: Runner,
        lock: LeaderLock,
        *,
        now: Callable[[], dt.datetime] = clock.now,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.entries, self.run, self.lock, self.now, self.tick_seconds = entries, run, lock, now, tick_seconds
        self.leading = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> list[str]:
        """Run every entry that is due (all of them on becoming leader: what fell due while none led)."""
        if not self.lock.acquire():
            return []
        now = self.now()
        if not self.leading:
            self.leading = True
            log.info("embedded scheduler leads: %d periodic tasks", len(self.entries))
            for entry in self.entries:
                entry.next_at = now
        ran = []
        for entry in self.entries:
            if entry.next_at is not None and entry.next_at <= now:
                self._run(entry)
                ran.append(entry.name)
                entry.next_at = next_run(entry.schedule, self.now())
        return ran

    def _run(self, entry: Entry) -> None:
        try:
            self.run(entry.task, entry.args, entry.kwargs)
        except Exception:  # a failing task must not stop the clock of every other one
            log.exception("embedded scheduler: %s failed", entry.task, extra={"task": entry.task})

    def start(self) -> None:
        """Step every tick in a daemon thread (it dies with the process, and the lock with it)."""
        self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop stepping, wait for a running task to end, and give up the lead."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.lock.release()
        self.leading = False

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # the lock file or the clock failing: try again next tick
                log.exception("embedded scheduler step failed")
            self._stop.wait(self.tick_seconds)


class QuietRoutineRuns(logging.Filter):
    """Drop Celery's per-task success lines from the scheduler's thread: sweeps every 30-60 s would flood the
    development log (and push `make run`'s login table out of sight). Failures are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep warnings and errors, and everything logged outside the scheduler's thread."""
        return record.levelno >= logging.WARNING or threading.current_thread().name != THREAD_NAME


def task_runner(app: Flask) -> Runner:
    """Run a task by its registered name in this thread (Celery's eager path), in a fresh app context."""

    def run(task_name: str, args: tuple, kwargs: dict) -> None:
        with app.app_context():
            celery.tasks[task_name].apply(args=args, kwargs=kwargs, throw=True)

    return run


def lock_path(app: Flask) -> str:
    """One lock per database on this machine: the processes serving one database elect one leader."""
    return lock_path_for(str(app.config.get("SQLALCHEMY_DATABASE_URI", "")))


def lock_path_for(database_uri: str) -> str:
    """The lock file of the scheduler serving this database (in the temporary folder)."""
    digest = hashlib.sha256(database_uri.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"microcourt-scheduler-{digest}.lock")


def start_embedded(app: object) -> Scheduler | None:
    """Start the scheduler when the app's settings ask for it (EMBEDDED_SCHEDULER); called in each gunicorn worker."""
    if not isinstance(app, Flask):
        return None
    try:
        wanted = settings.jobs(app).embedded_scheduler
    except KeyError:  # not a Micro Court app: bench/hello_app.py is served with the same gunicorn.conf.py
        return None
    if not wanted:
        return None
    trace = logging.getLogger("celery.app.trace")
    if not any(isinstance(f, QuietRoutineRuns) for f in trace.filters):
        trace.addFilter(QuietRoutineRuns())
    scheduler = Scheduler(entries_from(celery.conf.beat_schedule or {}), task_runner(app), LeaderLock(lock_path(app)))
    scheduler.start()
    app.extensions["embedded_scheduler"] = scheduler
    return scheduler
