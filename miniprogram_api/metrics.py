"""Prometheus: request counts and latency per route and status, and the /metrics endpoint."""

from __future__ import annotations

import hmac
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request

from app.errors import NotFound
from app.platform import broker
from app.utils.metrics import LATENCY, REQUESTS
from miniprogram_api.hooks import served

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus exposition; with METRICS_BEARER_TOKEN set, only scrapers presenting it get an answer."""
    token = current_app.config.get("METRICS_BEARER_TOKEN")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        raise NotFound()
    return Response(broker.metrics_text(), mimetype="text/plain; version=0.0.4")


# The two series of each (route, method, status), looked up once: `labels()` takes a lock and checks its
# arguments on every call, more CPU than counting. As many entries as the metrics themselves hold.
_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _series_of(route: str, method: str, status: int) -> tuple[Any, Any]:
    found = _series.get((route, method, status))
    if found is None:
        found = _series[(route, method, status)] = (
            REQUESTS.labels(route, method, str(status)),
            LATENCY.labels(route, method),
        )
    return found


def _finish(response: Response) -> Response:
    # From hooks._start, the app's first before-request hook: the latency includes authentication and every other
    # hook, as the access log's does (a hook of this module's own ran after them, and left them out).
    started = getattr(g._get_current_object(), "request_started", None)
    current = served()
    rule = current.url_rule
    route = rule.rule if rule else "<unmatched>"
    if route != "/metrics":
        count, latency = _series_of(route, current.method, response.status_code)
        count.inc()
        if started is not None:
            latency.observe(time.perf_counter() - started)
    return response


def register(app: Flask) -> None:
    """Mount /metrics and the measuring hooks."""
    app.after_request(_finish)
    app.register_blueprint(bp)
