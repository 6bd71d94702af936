"""Celery entry point: `celery -A app.jobs.worker worker` (or `beat`), configured from the environment."""

from __future__ import annotations

import logging
import os

from celery.signals import worker_process_init

from app import create_app
from app.extensions import celery, db

log = logging.getLogger(__name__)

# Not named `app`: `celery -A` would take a module attribute called `app` for the Celery app.
flask_app = create_app()

os.makedirs(flask_app.instance_path, exist_ok=True)
celery.conf.beat_schedule_filename = os.path.join(flask_app.instance_path, "celerybeat-schedule")

if celery.conf.broker_url.startswith("memory://"):
    log.warning("CELERY_BROKER_URL is memory://: this process will never see tasks sent by other processes")


@worker_process_init.connect
def reset_database_connections(**_kwargs: object) -> None:
    """A prefork child must not reuse database connections inherited from its parent."""
    with flask_app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


__all__ = ["celery", "flask_app"]
