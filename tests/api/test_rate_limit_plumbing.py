"""The limiter skips its before-request pass only when that pass has nothing to enforce (issue 18)."""

from __future__ import annotations

from flask import Blueprint, Flask

from app.extensions import RouteLimiter, limiter


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
