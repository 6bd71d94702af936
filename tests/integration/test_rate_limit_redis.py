"""With RATELIMIT_STORAGE_URI on Redis, two app servers share one limit (a phone cannot hop between them)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

REDIS_URL = os.environ.get("REDIS_TEST_URL", "").strip() or "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis does not answer at {REDIS_URL}")


def _serve(env: dict, port: int) -> subprocess.Popen:
    code = f"from app import create_app; create_app().run(host='127.0.0.1', port={port})"
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait(port: int) -> None:
    deadline = time.monotonic() + 90  # generous: a loaded machine boots slowly
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/public/v1/healthz", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


def test_two_servers_share_the_per_phone_limit(tmp_path):
    _redis_or_skip()
    env = {
        **os.environ,
        "MICROCOURT_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "STORAGE_LOCAL_ROOT": str(tmp_path / "blobs"),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "SMS_SEND_LIMIT_PER_PHONE": "1/minute",
        "LOG_JSON": "0",
        "FLASK_APP": "wsgi",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    ports = [_free_port(), _free_port()]
    servers = [_serve(env, port) for port in ports]
    try:
        for port in ports:
            _wait(port)
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        first = requests.post(f"http://127.0.0.1:{ports[0]}/api/mp/v1/auth/sms/send", json={"phone": phone}, timeout=10)
        second = requests.post(
            f"http://127.0.0.1:{ports[1]}/api/mp/v1/auth/sms/send", json={"phone": phone}, timeout=10
        )
        assert first.status_code == 202
        assert second.status_code == 429 and int(second.headers["Retry-After"]) >= 1
        assert second.json()["reason"] == "rate.limited"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
