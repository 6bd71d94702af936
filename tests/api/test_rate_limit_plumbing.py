"""The limiter skips its before-request pass only when that pass has nothing to enforce (issue 18)."""

from __future__ import annotations

import os
import uuid

import limits
import pytest
import redis
from flask import Blueprint, Flask
from limits.strategies import FixedWindowRateLimiter

from app.extensions import OneTripWindowStats, RouteLimiter, limiter


def _app(**limiter_options: object) -> tuple[Flask, RouteLimiter]:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    own = RouteLimiter(key_func=lambda: "caller", app=app, **limiter_options)  # type: ignore[arg-type]

    @app.get("/plain")
    def plain() -> str:
        return "ok"

    @app.get("/decorated")
    @own.limit("2/minute")
    def decorated() -> str:
        return "ok"

    return app, own


def _statuses(app: Flask, path: str, times: int) -> list[int]:
    client = app.test_client()
    return [client.get(path).status_code for _ in range(times)]


def test_the_app_configures_nothing_for_the_before_request_pass(app):
    # Only decorated limits: every request skips the pass (the point of RouteLimiter).
    assert limiter.middleware_has_limits() is False


def test_decorated_limits_hold_when_the_pass_is_skipped():
    app, own = _app()
    assert own.middleware_has_limits() is False
    assert _statuses(app, "/decorated", 3) == [200, 200, 429]
    assert _statuses(app, "/plain", 5) == [200] * 5


def test_default_limits_still_run_in_the_pass():
    app, own = _app(default_limits=["2/minute"])
    assert own.middleware_has_limits() is True
    assert _statuses(app, "/plain", 3) == [200, 200, 429]


def test_application_limits_still_run_in_the_pass():
    app, own = _app(application_limits=["3/minute"])
    assert own.middleware_has_limits() is True
    assert _statuses(app, "/plain", 2) + _statuses(app, "/decorated", 2) == [200, 200, 200, 429]


def test_blueprint_limits_still_run_in_the_pass():
    app, own = _app()
    blueprint = Blueprint("limited", __name__)

    @blueprint.get("/in-blueprint")
    def in_blueprint() -> str:
        return "ok"

    own.limit("1/minute")(blueprint)
    app.register_blueprint(blueprint)
    assert own.middleware_has_limits() is True
    assert _statuses(app, "/in-blueprint", 2) == [200, 429]


def _redis_app(url: str) -> tuple[Flask, RouteLimiter]:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = url
    own = RouteLimiter(key_func=lambda: "caller", app=app, headers_enabled=True, key_prefix=uuid.uuid4().hex)

    @app.get("/decorated")
    @own.limit("2/minute")
    def decorated() -> str:
        return "ok"

    return app, own


def test_on_redis_the_window_is_read_in_one_round_trip_strategy():
    # Building the limiter does not contact Redis; the fixed window on plain Redis gets the one-trip reader.
    own = _redis_app("redis://127.0.0.1:1/0")[1]
    assert type(own.limiter) is OneTripWindowStats
    assert type(_app()[1].limiter) is FixedWindowRateLimiter
    moving = RouteLimiter(key_func=lambda: "caller", strategy="moving-window")
    moving_app = Flask(__name__)
    moving_app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    moving.init_app(moving_app)
    assert type(moving.limiter) is not OneTripWindowStats


def test_a_limited_request_on_redis_takes_two_round_trips_with_the_librarys_headers(monkeypatch):
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis at TEST_REDIS_URL")
    app, own = _redis_app(url)
    # A fresh Redis answers the first EVALSHA with NOSCRIPT and the client loads the script: load it beforehand.
    redis.Redis.from_url(url).script_load(own.limiter.storage.lua_incr_expire.script)
    commands: list[str] = []
    send = redis.Redis.execute_command
    monkeypatch.setattr(
        redis.Redis, "execute_command", lambda self, *a, **k: commands.append(a[0]) or send(self, *a, **k)
    )
    sent = redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.client.Pipeline, "execute", lambda self, *a, **k: commands.append("PIPELINE") or sent(self, *a, **k)
    )
    client = app.test_client()
    first, second, third = (client.get("/decorated") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    # the hit (one script) and the window for the headers (one pipeline), per request
    assert commands[:4] == ["EVALSHA", "PIPELINE", "EVALSHA", "PIPELINE"]
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == ["1", "0"]
    assert first.headers["X-RateLimit-Limit"] == "2"
    # the same figures as the library's own two-trip reader, for a used and for an unused window
    item, caller, unused = limits.parse("5/minute"), uuid.uuid4().hex, uuid.uuid4().hex
    own.limiter.hit(item, caller)
    own.limiter.hit(item, caller)
    library = FixedWindowRateLimiter(own.limiter.storage)
    for who, remaining in ((caller, 3), (unused, 5)):
        ours, theirs = own.limiter.get_window_stats(item, who), library.get_window_stats(item, who)
        assert ours.remaining == theirs.remaining == remaining
        assert abs(ours.reset_time - theirs.reset_time) < 2
    connection = redis.Redis.from_url(url)
    ours_only = [key for pattern in (own._key_prefix, caller) for key in connection.scan_iter(f"*{pattern}*")]
    assert len(ours_only) == 2  # the route's window and the direct one
    connection.delete(*ours_only)
