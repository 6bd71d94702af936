"""Foundation tasks: a health probe that proves a worker can reach the database and storage."""

from __future__ import annotations

from app.extensions import celery


@celery.task(name="microcourt.health.probe")
def health_probe() -> dict[str, str]:
    """Run the readiness checks inside a worker and return what it found."""
    from app.platform.health import readiness

    return readiness()
