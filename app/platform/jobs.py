"""Enqueue a background job by its task name, so that no domain imports another module's Celery tasks."""

from __future__ import annotations

from app.extensions import celery


def enqueue(task_name: str, *args: object) -> None:
    """Run the task named `task_name` in a worker (in-process at once when JOBS_EAGER is on).

    A registered task goes through its own `apply_async`, which honours `task_always_eager` exactly as
    `.delay()` did; a name this process never registered is sent to the broker for a worker that knows it.
    """
    task = celery.tasks.get(task_name)
    if task is not None:
        task.apply_async(args=args)
    else:
        celery.send_task(task_name, args=args)
