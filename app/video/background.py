"""Slow provider work out of the request: a worker's job, or (JOBS_EAGER, the embedded mode) a thread.

TRTC gives a callback 5 seconds to answer, and a room's dismissal waits on TRTC's API; neither may hold a request.
With Celery workers the job is enqueued as usual. With JOBS_EAGER (`make run`, tests) the task runs in a daemon
thread with its own app context after the caller's commit, so the request answers at once; a failure is retried
there a few times (`RETRY_DELAYS`), and what a dying process loses is picked up by the recording sweep (copies) or
the next "entered" callback in a closed room (dismissals).
"""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app, has_app_context

from app.extensions import celery
from app.platform import jobs, settings

log = logging.getLogger(__name__)
RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0, 30.0)
_threads: list[threading.Thread] = []


def run(task_name: str, *args: str) -> None:
    """Run a registered task: enqueued for a worker, or in a thread when jobs run in-process."""
    if not has_app_context() or not settings.jobs().eager:
        jobs.enqueue(task_name, *args)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's LocalProxy

    def work() -> None:
        for delay in (*RETRY_DELAYS, None):
            try:
                with app.app_context():
                    if celery.tasks[task_name].apply(args=args, throw=True).successful():
                        return
            except Exception:  # TRTC down, a network error: tried again after the delay
                log.warning("%s%s failed", task_name, args, exc_info=True)
            if delay is None:
                return
            time.sleep(delay)

    thread = threading.Thread(target=work, name=f"video:{task_name}", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def wait(timeout: float = 30.0) -> None:
    """Wait for the threads started so far (tests; a clean shutdown)."""
    deadline = time.monotonic() + timeout
    for thread in list(_threads):
        thread.join(max(0.0, deadline - time.monotonic()))
