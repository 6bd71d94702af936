"""Operational read-outs: the broker's queue depth (for /metrics and /readyz)."""

from __future__ import annotations

import logging

import redis
from prometheus_client.core import GaugeMetricFamily

from app.platform import settings

log = logging.getLogger(__name__)
QUEUES = ("celery",)


def _redis_client() -> redis.Redis | None:
    url = settings.jobs().broker_url
    if not url.startswith(("redis://", "rediss://")):
        return None
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def broker_status() -> str:
    """'ok' when the broker answers (or jobs run in-process), else a short failure note."""
    jobs = settings.jobs()
    if jobs.eager or jobs.broker_url.startswith("memory://"):
        return "ok"
    client = _redis_client()
    if client is None:
        return "ok"
    try:
        client.ping()
        return "ok"
    except redis.RedisError as exc:
        return f"unavailable: {type(exc).__name__}"


class QueueDepthCollector:
    """Reads the length of each Celery queue at scrape time (Redis broker only)."""

    def __init__(self, client: redis.Redis | None) -> None:
        self.client = client

    def collect(self):
        gauge = GaugeMetricFamily("microcourt_job_queue_depth", "Jobs waiting in the broker.", labels=["queue"])
        if self.client is not None:
            for queue in QUEUES:
                try:
                    gauge.add_metric([queue], float(self.client.llen(queue)))
                except redis.RedisError:
                    log.warning("queue depth unavailable for %s", queue)
        yield gauge


def metrics_text() -> bytes:
    """The Prometheus exposition for /metrics."""
    from app.utils.metrics import render

    return render([QueueDepthCollector(_redis_client())])
