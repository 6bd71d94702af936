"""Extension objects, created unbound; `create_app` binds them to an application."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flask
from celery import Celery
from flask_babel import Babel  # type: ignore[import-untyped]
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from limits import RateLimitItem, WindowStats, errors
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

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


LIMITED = "microcourt.limiter_context"  # in the WSGI environ: the limiter kept state for this request


class RouteLimiter(Limiter):
    """Flask-Limiter that skips its request hooks when they have nothing to do.

    Flask-Limiter enforces a decorated route's limits in the decorator (`in_middleware=False`); its
    before-request pass adds only default, application, blueprint, meta and in-memory-fallback limits. This app
    configures none of those, yet the pass resolved and filtered an empty list on every request (about a fifth
    of a bare request's CPU). It still runs as soon as any of them exists; a decorated limit is untouched.

    Its after-request hook (rate-limit headers, conditional deductions) and its teardown (clearing its state)
    read only the state the limiter keeps per request (`context`), which exists once a limit was looked at: on
    the many requests with no limit, they built that state empty only to find nothing in it. They run whenever
    the state exists.
    """

    def init_app(self, app: flask.Flask) -> None:
        """Flask-Limiter's setup; on plain Redis with the fixed window, headers read the window in one round trip."""
        after = list(app.after_request_funcs.get(None, ()))
        teardown = list(app.teardown_request_funcs.get(None, ()))
        super().init_app(app)
        app.after_request_funcs[None] = after + [
            _when_limited(hook, passes=True) for hook in app.after_request_funcs.get(None, ())[len(after) :]
        ]
        app.teardown_request_funcs[None] = teardown + [
            _when_limited(hook, passes=False) for hook in app.teardown_request_funcs.get(None, ())[len(teardown) :]
        ]
        if type(self._limiter) is FixedWindowRateLimiter and type(self._storage) is RedisStorage:
            self._limiter = OneTripWindowStats(self._storage)

    @property
    def context(self) -> Any:
        """Flask-Limiter's state for this request (every read and write of it comes here), noted as in use."""
        flask.request.environ[LIMITED] = True
        return super().context

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


def _when_limited(hook: Callable[[Any], Any], *, passes: bool) -> Callable[[Any], Any]:
    """Run a limiter hook only on a request whose limiter state exists (without it the hook does nothing).

    passes: an after-request hook hands its response on (a teardown hook returns nothing).
    """

    @functools.wraps(hook)
    def run(value: Any) -> Any:
        if flask.request.environ.get(LIMITED):
            return hook(value)
        return value if passes else None

    return run


class OneTripWindowStats(FixedWindowRateLimiter):
    """The fixed window, with its remaining count and reset time read from Redis in one round trip, not two.

    With headers on, every limited request asks for the window after its hit (X-RateLimit-Remaining, -Reset):
    the library reads the counter (GET) and then its expiry (TTL), two round trips of about 50 µs of the
    worker's CPU each. This sends both in one pipeline; the figures and the errors raised are the library's.
    """

    storage: RedisStorage

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """(reset time, remaining), as `FixedWindowRateLimiter.get_window_stats` computes them."""
        storage = self.storage
        key = storage.prefixed_key(item.key_for(*identifiers))
        try:
            # limits types the client as a protocol without pipeline(); on RedisStorage it is a redis.Redis
            pipeline = storage.get_connection(True).pipeline(transaction=False)  # type: ignore[attr-defined]
            pipeline.get(key)
            pipeline.ttl(key)
            count, ttl = pipeline.execute()
        except storage.base_exceptions as exc:
            if storage.wrap_exceptions:
                raise errors.StorageError(exc) from exc
            raise
        return WindowStats(max(int(ttl), 0) + time.time(), max(0, item.amount - int(count or 0)))


limiter = RouteLimiter(key_func=get_remote_address, headers_enabled=True)
storage = StorageRegistry()
celery = Celery("microcourt", set_as_current=True)
babel = Babel()  # bound by app.i18n.init_babel; the HTTP layer selects the reader's language
