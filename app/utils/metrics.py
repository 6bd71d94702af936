"""Prometheus metrics shared by every process; multiprocess-safe under gunicorn (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import REGISTRY

REQUESTS = Counter(
    "microcourt_http_requests_total", "HTTP requests by route, method and status.", ["route", "method", "status"]
)
LATENCY = Histogram(
    "microcourt_http_request_duration_seconds",
    "HTTP request latency by route and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS = Counter("microcourt_jobs_total", "Background jobs by task and outcome.", ["task", "outcome"])
NOTIFICATIONS = Counter(
    "microcourt_notifications_total",
    "Notifications handed to a channel, by channel and outcome.",
    ["channel", "outcome"],
)
WEBHOOKS = Counter("microcourt_webhook_deliveries_total", "Webhook delivery attempts by outcome.", ["outcome"])


def render(extra_collectors: list | None = None) -> bytes:
    """The exposition text: every worker's values when PROMETHEUS_MULTIPROC_DIR is set, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    output = generate_latest(registry)
    for collector in extra_collectors or []:
        scratch = CollectorRegistry()
        scratch.register(collector)
        output += generate_latest(scratch)
    return output
