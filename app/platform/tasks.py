"""Foundation tasks: a health probe that proves a worker can reach the database and storage; chunks of calls."""

from __future__ import annotations

from app.extensions import celery
from app.platform import jobs


@celery.task(name="microcourt.health.probe")
def health_probe() -> dict[str, str]:
    """Run the readiness checks inside a worker and return what it found."""
    from app.platform.health import readiness

    return readiness()


@celery.task(name=jobs.EACH_TASK)
def run_each(task_name: str, calls: list[list[object]]) -> int:
    """Several calls of one task in one job (`app.platform.jobs.enqueue_each`); returns how many raised."""
    return jobs.run_each(task_name, calls)
