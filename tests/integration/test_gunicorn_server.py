"""gunicorn.conf.py as `make run` serves: one rate-limit count for the whole server, and gunicorn's own
refusals (414, 431, bad Content-Length, a broken request line) in the API's one JSON error shape."""

from __future__ import annotations

import json
import os
import re
import runpy
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from app.extensions import db
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
ERROR_KEYS = {"code", "status", "reason", "message", "errors", "request_id"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`gunicorn -c gunicorn.conf.py wsgi:app` asked for 4 workers, with the embedded (memory://) limits."""
    folder = tmp_path_factory.mktemp("gunicorn")
    url = f"sqlite:///{folder / 'app.db'}"
    application = make_app(url, folder)
    with application.app_context():
        db.create_all()
        db.engine.dispose()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(
                ("RATELIMIT_", "TEST_DATABASE", "PROMETHEUS_", "GUNICORN_", "WEB_CONCURRENCY", "XDG_RUNTIME_DIR")
            )
        },
        "MICROCOURT_ENV": "development",
        "DATABASE_URL": url,
        "STORAGE_LOCAL_ROOT": str(folder / "blobs"),
        "BIND": "127.0.0.1:0",
        "WEB_CONCURRENCY": "4",
        "GUNICORN_THREADS": "2",
        "GUNICORN_KEEPALIVE_REQUESTS": "3",
        "HOME": str(folder),  # where gunicorn would put its control socket (no XDG_RUNTIME_DIR: removed above)
    }
    log = folder / "gunicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
    try:
        yield _wait_for_listen(log, process), log, folder
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_listen(log: Path, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 120  # a loaded 2-core machine boots 4 workers slowly
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
        if found:
            base = found.group(1)
            try:
                if requests.get(f"{base}/api/public/v1/healthz", timeout=10).status_code == 200:
                    return base
            except (requests.ConnectionError, requests.Timeout):
                pass
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited: " + log.read_text(errors="replace")[-2000:])
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start: " + log.read_text(errors="replace")[-2000:])


def _raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def _answers_on_one_connection(base: str, count: int) -> tuple[list[str], bytes]:
    """`count` keep-alive GETs of the liveness probe, one after another on one socket: each answer's Connection
    header, then what the socket reads after the last answer (b"" when the server closed it)."""
    host, port = base.removeprefix("http://").split(":")
    connections = []
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        reader = sock.makefile("rb")
        for _ in range(count):
            sock.sendall(b"GET /api/public/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert reader.readline().split()[1] == b"200"
            headers = {}
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            reader.read(int(headers["content-length"]))
            connections.append(headers["connection"].lower())
        return connections, reader.read()


def test_a_keep_alive_connection_is_closed_after_its_last_request(served):
    """GUNICORN_KEEPALIVE_REQUESTS (3 here): the third answer on a connection says close, and the server closes it,
    so a client holding few connections for long does not pin its load on the processes that accepted them."""
    base, _log, _folder = served
    connections, after = _answers_on_one_connection(base, 3)
    assert connections == ["keep-alive", "keep-alive", "close"]
    assert after == b""


def test_no_control_socket_unless_one_is_named(served):
    """gunicorn's control socket defaults to one path per user, shared by every instance on the host: off here."""
    base, _log, folder = served
    assert requests.get(f"{base}/api/public/v1/healthz", timeout=10).status_code == 200
    assert not (folder / ".gunicorn").exists()


def test_memory_limits_are_counted_once_by_one_process(served):
    base, log, _folder = served
    statuses = [
        requests.post(f"{base}/api/mp/v1/auth/sms/send", json={"phone": "13800000011"}, timeout=10).status_code
        for _ in range(8)
    ]
    assert statuses.count(202) == 1 and statuses.count(429) == 7, statuses  # SMS_SEND_LIMIT_PER_PHONE 1/minute
    text = log.read_text(errors="replace")
    assert text.count("Booting worker") == 1 and "serving with 1 process and 8 threads" in text


@pytest.mark.parametrize(
    ("request_bytes", "status", "reason"),
    [
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "request.uri_too_long"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431, "request.headers_too_large"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(120)) + b"\r\n",
            431,
            "request.headers_too_large",
        ),
        (b"POST /api/mp/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "request.bad"),
        (b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400, "request.bad"),
        (b"<script>\r\n\r\n", 400, "request.bad"),
    ],
    ids=["uri-too-long", "header-too-large", "too-many-headers", "bad-content-length", "two-lengths", "garbage"],
)
def test_gunicorn_refusals_are_json_in_the_one_shape(served, request_bytes, status, reason):
    base, _log, _folder = served
    code, headers, body = _raw(base, request_bytes)
    assert code == status and headers["content-type"] == "application/json"
    error = json.loads(body)
    assert set(error) == ERROR_KEYS and error["code"] == status and error["reason"] == reason
    assert b"<" not in body and b"aaaa" not in body  # no HTML, and the client's input is not echoed


def test_a_killed_worker_is_forked_from_the_built_app_and_serves_with_its_own_connections(served):
    """preload_app: the master holds the built app; a replacement worker is a fork, not a second build."""
    base, log, _folder = served
    assert requests.get(f"{base}/api/public/v1/readyz", timeout=10).status_code == 200  # the worker's pool is in use
    worker = int(re.findall(r"Booting worker with pid: (\d+)", log.read_text(errors="replace"))[-1])
    os.kill(worker, 9)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        booted = re.findall(r"Booting worker with pid: (\d+)", log.read_text(errors="replace"))
        if int(booted[-1]) != worker:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("no worker replaced the killed one: " + log.read_text(errors="replace")[-2000:])
    statuses = []
    while time.monotonic() < deadline and statuses[-1:] != [200]:
        try:
            statuses.append(requests.get(f"{base}/api/public/v1/readyz", timeout=10).status_code)
        except requests.ConnectionError:
            time.sleep(0.05)
    assert statuses[-1:] == [200], statuses  # the forked worker opened its own database connection
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["preload_app"] is True and "post_fork" in conf
