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
        """An empty session when there is no session cookie (what Flask returns too), else Flask's own."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def register(app: Flask) -> None:
    """Install the before/after hooks and the on-demand cookie session."""
    app.session_interface = CookieSessionOnDemand()
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_reset)


def _start() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_token = request_id_var.set(g.request_id)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
    # The route pattern, not the raw path: paths can carry secrets such as invitation tokens.
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    log.info(
        "request",
        extra={
            "method": request.method,
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
