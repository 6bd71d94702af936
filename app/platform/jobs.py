"""Enqueue a background job by its task name, so that no domain imports another module's Celery tasks."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from app.extensions import celery

log = logging.getLogger(__name__)

EACH_TASK = "microcourt.jobs.each"
# Calls carried by one `EACH_TASK` job: few enough that a chunk's sends finish within seconds in one worker and
# the chunks of a large batch still spread over the workers; enough that a batch of 100 documents sends 5
# messages to the broker, not 100 (an enqueue is about a millisecond of the request's CPU: issue 18).
EACH_CHUNK = 20


def enqueue(task_name: str, *args: object) -> None:
    """Run the task named `task_name` in a worker (in-process at once when JOBS_EAGER is on).

    A registered task goes through its own `apply_async`, which honours `task_always_eager` exactly as
    `.delay()` did; a name this process never registered is sent to the broker for a worker that knows it.
    """
    _send(task_name, args)


def _send(task_name: str, args: tuple, **options: object) -> None:
    task = celery.tasks.get(task_name)
    if task is not None:
        task.apply_async(args=args, **options)
    else:
        celery.send_task(task_name, args=args, **options)


def enqueue_each(task_name: str, calls: Iterable[Sequence[object]]) -> None:
    """Run `task_name` once for each argument list in `calls`: a single call as its own job (`enqueue`), more in
    jobs of up to `EACH_CHUNK` calls (`run_each` in a worker).

    Only for tasks whose work is recorded in rows that their domain's sweep re-enqueues (notifications, SMS,
    webhook deliveries): a chunk whose worker dies is delivered again (late acknowledgement), and a call that
    fails is logged while the rest of its chunk goes on, so either way a row's own state decides what is done.
    """
    pending = [list(args) for args in calls]
    if len(pending) == 1:
        enqueue(task_name, *pending[0])
        return
    for start in range(0, len(pending), EACH_CHUNK):
        chunk = pending[start : start + EACH_CHUNK]
        # The message's description of its arguments (what `celery inspect` and the logs show) given, not computed:
        # Celery's safe repr of twenty argument lists cost more than the rest of the enqueue.
        _send(EACH_TASK, (task_name, chunk), argsrepr=f"({task_name!r}, <{len(chunk)} calls from {chunk[0]!r}>)")


def run_each(task_name: str, calls: list[list[object]]) -> int:
    """Call the task named `task_name` for each argument list in turn, each in its own app context and database
    session (the task's own `__call__`); a call that raises is logged and the next one runs. Returns how many
    calls raised (their rows stay due: the sweep enqueues them again)."""
    task = celery.tasks.get(task_name)
    if task is None:  # a worker older than the app that sent this: the sweep finds the rows again
        log.error("job chunk for an unknown task", extra={"task": task_name, "calls": len(calls)})
        return len(calls)
    failed = 0
    for args in calls:
        try:
            task(*args)
        except Exception:
            failed += 1
            log.exception("job call in a chunk failed", extra={"task": task_name, "call_args": args})
    return failed
