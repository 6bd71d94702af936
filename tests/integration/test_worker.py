"""Background jobs: eager tasks run in an app context; a real Celery worker answers the health probe over Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from celery.exceptions import TimeoutError as ResultTimeout
from celery.result import AsyncResult, EagerResult
from flask import current_app

from app.extensions import celery, db
from app.jobs import init_celery
from app.platform.tasks import health_probe
from tests.conftest import make_app

REDIS_URL = os.environ.get("REDIS_TEST_URL", "").strip() or "redis://127.0.0.1:6379/15"
REPO_ROOT = Path(__file__).resolve().parents[2]
RESULT_WAIT_SECONDS = 90  # a bound on startup + one task, not a speed requirement
STOP_WAIT_SECONDS = 30
LOCK_NAME = "microcourt:tests:celery-worker"  # one worker test at a time per Redis database


@celery.task(name="tests.jobs.context_probe")
def context_probe() -> dict[str, object]:
    """Report which app, config and session the task sees."""
    return {
        "app_id": id(current_app._get_current_object()),
        "marker": current_app.config.get("JOBS_TEST_MARKER"),
        "session_id": id(db.session()),
    }


# -- eager mode (the default configuration) -------------------------------------------------------


def test_eager_task_runs_in_the_callers_app_with_its_own_session(app):
    app.config["JOBS_TEST_MARKER"] = "seen-by-the-task"
    caller_session = db.session()
    assert celery.conf.task_always_eager is True

    result = context_probe.delay()

    assert isinstance(result, EagerResult)
    seen = result.get()
    assert seen["app_id"] == id(app)
    assert seen["marker"] == "seen-by-the-task"
    assert seen["session_id"] != id(caller_session)
    assert db.session() is caller_session  # the caller's session survived the task's teardown


def test_eager_task_outside_any_context_uses_the_bound_app(app):
    app.config["JOBS_TEST_MARKER"] = "bound"
    seen: dict[str, object] = {}
    # A new thread has no app context, like a caller outside any request.
    thread = threading.Thread(target=lambda: seen.update(context_probe.delay().get()))
    thread.start()
    thread.join(timeout=30)
    assert seen["app_id"] == id(app)
    assert seen["marker"] == "bound"


def test_eager_health_probe_reports_database_and_storage(app):
    assert health_probe.delay().get() == {"database": "ok", "storage": "ok", "broker": "ok", "certificate_font": "ok"}


# -- a real worker process over Redis ----------------------------------------------------------------


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """A client for the test Redis; the test is skipped when it does not answer PING."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        pytest.skip(f"Redis at {REDIS_URL} does not answer PING ({type(exc).__name__}); set REDIS_TEST_URL")
    yield client
    client.close()


@pytest.fixture
def worker_lock(redis_client: redis.Redis) -> Iterator[None]:
    """Serialise concurrent test runs: two workers on one queue could take each other's probes."""
    lock = redis_client.lock(LOCK_NAME, timeout=300, blocking_timeout=300)
    if not lock.acquire():
        pytest.fail(f"another test run held {LOCK_NAME} for 300 s")
    yield
    try:
        lock.release()
    except redis.exceptions.LockError:
        pass  # expired: the next run already waited out the timeout


@pytest.fixture
def restore_eager_celery(database_url: str, tmp_path: Path) -> Iterator[None]:
    """Celery is process-global: after the test, configure it from a default (eager) testing app again."""
    yield
    init_celery(make_app(database_url, tmp_path / "restored"))
    assert celery.conf.task_always_eager is True
    assert celery.conf.broker_url == "memory://"


def worker_env(database_url: str, blob_root: Path) -> dict[str, str]:
    """The worker's environment: the test's database and Redis, jobs not eager."""
    env = dict(os.environ)
    env.update(
        MICROCOURT_ENV="development",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_RESULT_BACKEND=REDIS_URL,
        JOBS_EAGER="0",
        STORAGE_BACKEND="local",
        STORAGE_LOCAL_ROOT=str(blob_root),
        LOG_JSON="0",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def running_worker(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """Start `celery -A app.jobs.worker worker` (solo pool); always stop it afterwards."""
    command = [
        sys.executable, "-m", "celery", "-A", "app.jobs.worker", "worker",
        "--pool=solo", "--concurrency=1", "--without-mingle", "--without-gossip", "--without-heartbeat",
        "--loglevel=INFO", f"--hostname=pytest-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop_worker(process)


def stop_worker(process: subprocess.Popen) -> int:
    """Warm shutdown with SIGTERM; SIGKILL only if it does not exit within the bound."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_WAIT_SECONDS)
    return process.returncode


def wait_for_result(result: AsyncResult, process: subprocess.Popen, log_path: Path) -> object:
    """result.get() in short slices, failing at once (with the worker's log) if the worker dies."""
    deadline = time.monotonic() + RESULT_WAIT_SECONDS
    while True:
        try:
            return result.get(timeout=1)
        except ResultTimeout:
            if process.poll() is not None:
                pytest.fail(f"worker exited ({process.returncode}) before answering:\n{tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"no answer within {RESULT_WAIT_SECONDS} s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 40) -> str:
    """The end of a log file, for failure messages."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.redis
@pytest.mark.slow
def test_worker_process_answers_the_health_probe(database_url, tmp_path, worker_lock, restore_eager_celery):
    sender = make_app(
        database_url, tmp_path, CELERY_BROKER_URL=REDIS_URL, CELERY_RESULT_BACKEND=REDIS_URL, JOBS_EAGER=False
    )
    assert sender.extensions["celery"].conf.task_always_eager is False
    log_path = tmp_path / "worker.log"

    with running_worker(worker_env(database_url, tmp_path / "worker-blobs"), log_path) as worker:
        result = health_probe.delay()
        assert not isinstance(result, EagerResult)
        try:
            answer = wait_for_result(result, worker, log_path)
        finally:
            result.forget()
        exit_code = stop_worker(worker)

    assert answer == {"database": "ok", "storage": "ok", "broker": "ok", "certificate_font": "ok"}
    assert f"[{result.id}] succeeded" in log_path.read_text()
    assert exit_code == 0, tail(log_path)


def test_worker_process_runs_a_chunk_of_calls_each_in_its_own_context(
    database_url, tmp_path, worker_lock, restore_eager_celery
):
    """`jobs.enqueue_each`'s message in a real worker: each call of the chunk runs (its own app context nested in
    the chunk's), a name the worker does not know is counted as failed, not raised."""
    from app.platform import jobs

    make_app(database_url, tmp_path, CELERY_BROKER_URL=REDIS_URL, CELERY_RESULT_BACKEND=REDIS_URL, JOBS_EAGER=False)
    log_path = tmp_path / "worker.log"
    each = celery.tasks[jobs.EACH_TASK]
    with running_worker(worker_env(database_url, tmp_path / "worker-blobs"), log_path) as worker:
        known = each.delay("microcourt.health.probe", [[], [], []])
        unknown = each.delay("microcourt.newer.only", [["x"], ["y"]])
        try:
            answers = [wait_for_result(known, worker, log_path), wait_for_result(unknown, worker, log_path)]
        finally:
            known.forget()
            unknown.forget()
        exit_code = stop_worker(worker)

    assert answers == [0, 2]  # none of the three probes raised; both calls of the unknown task counted as failed
    assert "job chunk for an unknown task" in log_path.read_text()
    assert exit_code == 0, tail(log_path)
