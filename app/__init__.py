"""The core of Micro Court: `create_app()` builds a Flask application in named steps."""

from __future__ import annotations

import logging
import types
from collections.abc import Callable
from typing import Any

from flask import Flask

from app.platform.settings import VersionedConfig
from config import Config, load_config

log = logging.getLogger(__name__)


class MicroCourtFlask(Flask):
    """Flask whose config counts its changes, so the settings objects (app/platform/settings.py) see them."""

    config_class = VersionedConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer, remembered for plain functions: Flask asks it of every hook and view on every request,
        and each answer is an `inspect.iscoroutinefunction` (about 1 % of a request's CPU; issue 18)."""
        if type(func) is not types.FunctionType:  # bound methods, partials: made anew, so not worth keeping
            return super().ensure_sync(func)
        known = self._sync.get(func)
        if known is None:
            known = self._sync[func] = super().ensure_sync(func)
        return known


def create_app(config: Config | None = None) -> Flask:
    """Build the application: configuration, logging, extensions, the HTTP API and CLI commands."""
    config = config or load_config()
    config.validate()
    app = MicroCourtFlask(__name__, instance_path=str(_instance_path()), instance_relative_config=False)
    app.config.from_mapping(config.as_dict())
    app.config["MICROCOURT_ENV"] = config.ENV_NAME
    configure_logging(app)
    configure_proxies(app)
    register_extensions(app)
    register_api(app)
    register_commands(app)
    log.debug("app created", extra={"env": config.ENV_NAME})
    return app


def _instance_path() -> object:
    from config import BASE_DIR

    return BASE_DIR / "instance"


def configure_logging(app: Flask) -> None:
    """JSON lines with request ids (plain lines when LOG_JSON=0)."""
    from app.utils.logging import configure

    configure(level=app.config["LOG_LEVEL"], json_lines=app.config["LOG_JSON"])


def configure_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto from exactly TRUSTED_PROXIES hops (the load balancers), no more."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, rate limiter, storage and jobs; build the settings objects and adapters once."""
    from app import tables as registry  # noqa: F401  (registers every table)
    from app import wiring

    wiring.connect()  # cross-domain providers, before anything serves
    from app.database import configure_engine_options, end_reads_with_commit
    from app.extensions import db, limiter, migrate, storage
    from app.i18n import init_babel
    from app.jobs import init_celery
    from app.platform import adapters, settings

    configure_engine_options(app)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            end_reads_with_commit(engine)
    migrate.init_app(app, db, directory=str(_migrations_path()), render_as_batch=True, compare_type=True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    settings.install(app)
    adapters.install(app)
    storage.init_app(app)
    init_celery(app)
    init_babel(app)  # the message catalogue (docs/i18n.md)


def _migrations_path() -> object:
    from config import BASE_DIR

    return BASE_DIR / "migrations"


def register_api(app: Flask) -> None:
    """Mount the HTTP layer (the one place the core imports it, lazily)."""
    import miniprogram_api

    miniprogram_api.register(app)


def register_commands(app: Flask) -> None:
    """Add the `flask ...` management commands."""
    from app.cli import register

    register(app)
