"""Background jobs on Celery: configured from the app, every task runs inside an app context."""

from __future__ import annotations

import importlib
import threading

from celery import Task
from flask import Flask, current_app, has_app_context

from app.extensions import celery
from app.jobs import transport
from app.platform import settings

# Every domain's background tasks: thin Celery wrappers over that domain's functions, registered by name.
TASK_MODULES = (
    "app.platform.tasks",
    "app.evidence.tasks",
    "app.mediation.tasks",
    "app.scheduling.tasks",
    "app.documents.tasks",
    "app.notifications.tasks",
    "app.sms.tasks",
    "app.webhooks.tasks",
    "app.statistics.tasks",
    "app.fees.tasks",
    "app.payments.tasks",
    "app.litigation.tasks",
    "app.casefile.tasks",
    "app.privacy.tasks",
    "app.video.tasks",
)


class AppContextTask(Task):
    """Run each call in a fresh app context of the caller's app (or of the app bound by `init_celery`).

    A fresh context gives the task its own database session, as it would have in a worker: an eager
    task never commits, rolls back or removes the session of the request that enqueued it.
    """

    abstract = True

    def __call__(self, *args: object, **kwargs: object) -> object:
        with self._flask_app().app_context():
            return super().__call__(*args, **kwargs)

    def _flask_app(self) -> Flask:
        if has_app_context():
            return current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types its proxy as Flask
        bound = getattr(self.app, "flask_app", None)
        if bound is None:
            raise RuntimeError("no Flask app for Celery tasks: call init_celery(app) first")
        return bound


celery.Task = AppContextTask


def init_celery(app: Flask) -> None:
    """Configure the shared Celery app from Flask config (eager in the embedded default)."""
    celery.flask_app = app
    _forget_clients()
    jobs = settings.jobs(app)
    celery.conf.update(
        broker_url=jobs.broker_url,
        broker_transport=transport.for_url(jobs.broker_url),  # plain Redis: one sending client per channel
        result_backend=jobs.result_backend or None,
        task_always_eager=jobs.eager,
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
    # Importing each domain's tasks module registers its tasks (and beat entries) with Celery.
    for module in TASK_MODULES:
        importlib.import_module(module)


def _forget_clients() -> None:
    """Drop the broker pool and result backend that Celery cached for an earlier configuration.

    Celery builds both on first use and keeps them; without this, an app configured later in the same
    process (the test suite builds many) would still send to the first app's broker and read results
    from its backend. (Celery's own after-fork hook drops the broker pools the same way.)
    """
    celery._pool = None
    celery.__dict__.pop("amqp", None)
    celery._backend_cache = None
    celery._local = threading.local()
