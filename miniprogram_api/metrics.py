"""Prometheus: request counts and latency per route and status, and the /metrics endpoint."""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Flask, Response, current_app, g, request

from app.errors import NotFound
from app.platform import broker
from app.utils.metrics import LATENCY, REQUESTS

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus exposition; with METRICS_BEARER_TOKEN set, only scrapers presenting it get an answer."""
    token = current_app.config.get("METRICS_BEARER_TOKEN")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        raise NotFound()
    return Response(broker.metrics_text(), mimetype="text/plain; version=0.0.4")


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("metrics_started")
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    if route != "/metrics":
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
    return response


def register(app: Flask) -> None:
    """Mount /metrics and the measuring hooks."""
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)
