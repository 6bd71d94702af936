"""Prometheus metrics: per-route counts and latency, token protection, and one total across gunicorn workers."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def _count(text: str, route: str, status: str = "200") -> float:
    pattern = (
        rf'microcourt_http_requests_total{{method="GET",route="{re.escape(route)}",status="{status}"}} ([0-9.e+]+)'
    )
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def test_requests_are_counted_by_route_and_status(client):
    before = _count(client.get("/metrics").get_data(as_text=True), "/api/public/v1/healthz")
    for _ in range(3):
        client.get("/api/public/v1/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert _count(text, "/api/public/v1/healthz") == before + 3
    assert "microcourt_http_request_duration_seconds_bucket" in text
    assert "microcourt_job_queue_depth" in text


def _latency(text: str, route: str, part: str = "count") -> float:
    pattern = rf'microcourt_http_request_duration_seconds_{part}{{method="GET",route="{re.escape(route)}"}} ([0-9.e+]+)'
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def test_latency_includes_authentication_and_its_refusals(client, monkeypatch):
    """The clock starts at the first hook: a caller refused by authentication is timed, and the time authentication
    takes is in every request's latency (it once started after authentication, which hid both)."""
    from miniprogram_api import auth

    route = "/api/mp/v1/me"
    text = client.get("/metrics").get_data(as_text=True)
    count, total = _latency(text, route), _latency(text, route, "sum")
    slow_refusal = auth._authenticate

    def slowly(*args, **kwargs):
        time.sleep(0.05)
        return slow_refusal(*args, **kwargs)

    monkeypatch.setattr(auth, "_authenticate", slowly)
    time.sleep(0.5)  # a clock left over from an earlier request would show this too
    assert client.get(route).status_code == 401
    text = client.get("/metrics").get_data(as_text=True)
    assert _count(text, route, "401") >= 1
    assert _latency(text, route) == count + 1
    assert 0.05 <= _latency(text, route, "sum") - total < 0.4


def test_the_request_id_and_clock_start_before_every_other_hook(app):
    """Before the rate limiter's too: with RATELIMIT_DEFAULT set, the limiter refuses (429) in its own before-request
    hook, and such a refusal must still carry its request id and be timed."""
    from miniprogram_api import hooks

    assert app.before_request_funcs[None][0] is hooks._start


def test_a_metrics_token_hides_the_endpoint(app, client):
    app.config["METRICS_BEARER_TOKEN"] = "scrape-secret"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


@pytest.mark.slow
def test_metrics_sum_every_gunicorn_worker(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "MICROCOURT_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "STORAGE_LOCAL_ROOT": str(tmp_path / "blobs"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "3",
        # each worker retires after 8 requests, so 30 requests are certainly served by several processes
        "GUNICORN_MAX_REQUESTS": "8",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "GUNICORN_THREADS": "1",
        "LOG_JSON": "0",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/api/public/v1/healthz", timeout=1)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        before = _count(requests.get(f"{base}/metrics", timeout=60).text, "/api/public/v1/healthz")
        for _ in range(30):
            requests.get(f"{base}/api/public/v1/healthz", timeout=60, headers={"Connection": "close"})
        text = requests.get(f"{base}/metrics", timeout=60).text
        assert _count(text, "/api/public/v1/healthz") == before + 30  # every worker's share, summed
        assert len(list((tmp_path / "prom").glob("counter_*.db"))) >= 4  # served by several (retired) workers

    finally:
        server.terminate()
        server.wait(timeout=30)
