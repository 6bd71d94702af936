"""The limiter's after-request and teardown hooks run on the requests whose limits it looked at, and only those."""

from __future__ import annotations

from flask import Flask

from app.extensions import LIMITED, RouteLimiter

HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _app(**limiter_options: object) -> tuple[Flask, RouteLimiter]:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    own = RouteLimiter(key_func=lambda: "caller", app=app, headers_enabled=True, **limiter_options)  # type: ignore[arg-type]
    seen: list[bool] = []

    @app.get("/plain")
    def plain() -> str:
        return "ok"

    @app.get("/decorated")
    @own.limit("2/minute")
    def decorated() -> str:
        return "ok"

    @app.get("/deducted")
    @own.limit("1/minute", deduct_when=lambda response: response.status_code == 418)
    def deducted() -> tuple[str, int]:
        return "teapot", 418

    @app.teardown_request
    def _note(_exc: BaseException | None) -> None:  # runs after the limiter's own teardown (reverse order)
        from flask import request

        seen.append(bool(request.environ.get(LIMITED)))

    app.extensions["seen"] = seen
    return app, own


def test_a_limited_route_gets_its_headers_and_its_429():
    app, _own = _app()
    client = app.test_client()
    first, second, third = (client.get("/decorated") for _ in range(3))
    assert [r.status_code for r in (first, second, third)] == [200, 200, 429]
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert all(name in third.headers for name in HEADERS) and "Retry-After" in third.headers
    assert app.extensions["seen"] == [True, True, True]


def test_a_route_without_limits_skips_the_hooks_and_answers_as_before():
    app, _own = _app()
    client = app.test_client()
    plain = client.get("/plain")
    assert plain.status_code == 200 and not any(name in plain.headers for name in HEADERS)
    assert app.extensions["seen"] == [False]
    # A limited request after it still gets its headers: the state is per request.
    assert client.get("/decorated").headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/plain").status_code == 200
    assert app.extensions["seen"] == [False, True, False]


def test_a_conditional_deduction_still_counts_after_the_response():
    app, _own = _app()
    client = app.test_client()
    assert client.get("/deducted").status_code == 418  # deducted in the after-request hook
    assert client.get("/deducted").status_code == 429


def test_default_limits_make_every_request_limited():
    app, _own = _app(default_limits=["1/minute"])
    client = app.test_client()
    assert client.get("/plain").headers["X-RateLimit-Limit"] == "1"
    assert client.get("/plain").status_code == 429
    assert app.extensions["seen"] == [True, True]


def test_the_app_wraps_the_limiters_hooks_once(app):
    wrapped = [hook for hook in app.after_request_funcs[None] if getattr(hook, "__wrapped__", None) is not None]
    limiter_hooks = [hook for hook in wrapped if "inject_headers" in repr(hook.__wrapped__)]
    assert len(limiter_hooks) == 1
    teardowns = [hook for hook in app.teardown_request_funcs[None] if "release_context" in repr(hook)]
    assert len(teardowns) == 1 and getattr(teardowns[0], "__wrapped__", None) is not None
