"""Per-request plumbing: the X-Request-ID, and one JSON access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Request, Response, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from app.utils.request_context import request_id_var

log = logging.getLogger("microcourt.access")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class CookieSessionOnDemand(SecureCookieSessionInterface):
    """Flask's cookie session, without building its signing serializer for a request that sends no cookie.

    Flask opens the session on every request, and building the serializer (key derivation setup) cost about as
    much as the access log line. The API never uses the session; the answer is the same empty session.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when there is no session cookie (what Flask returns too), else Flask's own.

        Without a Cookie header there is no cookie to look for: the header is not parsed (phones and court
        systems send none).
        """
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)


def register(app: Flask) -> None:
    """Install the before/after hooks and the on-demand cookie session."""
    app.session_interface = CookieSessionOnDemand()
    # First of all before-request hooks, the rate limiter's included: a request it refuses (429) still gets its id,
    # and the access log and the latency metric time it.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_reset)


def served() -> Request:
    """The request being served, looked up once: each `request.x` finds it again through the proxy, which costs
    about as much as the read itself."""
    return request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as the Request


def _start() -> None:
    store = g._get_current_object()
    incoming = request.environ.get("HTTP_X_REQUEST_ID", "")  # the X-Request-ID header, as request.headers reads it
    store.request_id = request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    store.request_token = request_id_var.set(request_id)
    store.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    store = g._get_current_object()
    request_id = getattr(store, "request_id", None) or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = getattr(store, "request_started", None)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
    # The route pattern, not the raw path: paths can carry secrets such as invitation tokens.
    current = served()
    rule = current.url_rule
    route = rule.rule if rule else "<unmatched>"
    log.info(
        "request",
        extra={
            "method": current.method,
            "route": route,
            "status": response.status_code,
            "duration_ms": elapsed_ms,
            "request_id": request_id,
        },
    )
    return response


def _reset(_exc: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        request_id_var.reset(token)
