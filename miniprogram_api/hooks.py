"""Per-request plumbing: the X-Request-ID, and one JSON access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from app.utils.request_context import request_id_var

log = logging.getLogger("microcourt.access")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def register(app: Flask) -> None:
    """Install the before/after hooks."""
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
