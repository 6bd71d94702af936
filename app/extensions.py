"""Extension objects, created unbound; `create_app` binds them to an application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery
from flask_babel import Babel  # type: ignore[import-untyped]
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.platform.db import Base
from app.storage.registry import StorageRegistry

db = SQLAlchemy(model_class=Base)

# The base every model subclasses. At run time it is db.Model, which Flask-SQLAlchemy builds from Base
# (same registry, metadata and type map, plus its session binding). mypy cannot take a base class from an
# instance attribute ("Name 'db.Model' is not defined"), so the type checker sees Base, the typed
# DeclarativeBase db.Model is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()


class RouteLimiter(Limiter):
    """Flask-Limiter that skips its before-request pass when that pass has nothing to enforce.

    Flask-Limiter enforces a decorated route's limits in the decorator (`in_middleware=False`); its
    before-request pass adds only default, application, blueprint, meta and in-memory-fallback limits. This app
    configures none of those, yet the pass resolved and filtered an empty list on every request (about a fifth
    of a bare request's CPU). It still runs as soon as any of them exists; a decorated limit is untouched.
    """

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and not self.middleware_has_limits():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def middleware_has_limits(self) -> bool:
        """Whether the before-request pass could find a limit (unknown internals count as "yes")."""
        manager = self.limit_manager
        return any(
            getattr(owner, name, True)
            for owner, name in (
                (manager, "_application_limits"),
                (manager, "_default_limits"),
                (manager, "_blueprint_limits"),
                (self, "_meta_limits"),
                (self, "_in_memory_fallback_enabled"),
            )
        )


limiter = RouteLimiter(key_func=get_remote_address, headers_enabled=True)
storage = StorageRegistry()
celery = Celery("microcourt", set_as_current=True)
babel = Babel()  # bound by app.i18n.init_babel; the HTTP layer selects the reader's language
