"""Background jobs on Celery: configured from the app, every task runs inside an app context."""

from __future__ import annotations

from celery import Task
from flask import Flask, has_app_context

from app.extensions import celery


class AppContextTask(Task):
    """Run inside the Flask app bound by `init_celery` (or the caller's, when already inside one)."""

    abstract = True

    def __call__(self, *args: object, **kwargs: object) -> object:
        if has_app_context():
            return super().__call__(*args, **kwargs)
        with self.app.flask_app.app_context():
            return super().__call__(*args, **kwargs)


celery.Task = AppContextTask


def init_celery(app: Flask) -> None:
    """Configure the shared Celery app from Flask config (eager in the embedded default)."""
    celery.flask_app = app
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config["CELERY_RESULT_BACKEND"] or None,
        task_always_eager=app.config["JOBS_EAGER"],
        task_eager_propagates=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        worker_hijack_root_logger=False,
    )
    app.extensions["celery"] = celery
    from app.jobs import tasks  # noqa: F401  (registers tasks)
