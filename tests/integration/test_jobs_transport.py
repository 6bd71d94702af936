"""Enqueuing over Redis: every message lands on the queue as kombu would write it, and the channel builds one Redis
client for what it sends, not one per message (issue 18: a third of an enqueue's CPU)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import redis
from kombu.transport import redis as kombu_redis

from app.extensions import celery
from app.jobs import transport
from app.platform import jobs
from tests.conftest import make_app
from tests.integration.test_worker import REDIS_URL, redis_client, restore_eager_celery, worker_lock  # noqa: F401

NEVER_RUN = "tests.jobs.transport_probe_never_run"  # registered nowhere: only this test reads its messages


def test_the_transport_is_named_for_plain_redis_only():
    assert transport.for_url("redis://127.0.0.1:6379/0") == transport.PATH
    assert transport.for_url("REDISS://cache.example.cn:6380/1") == transport.PATH
    assert transport.for_url("sentinel://127.0.0.1:26379") is None
    assert transport.for_url("memory://") is None


def test_messages_land_on_the_queue_through_one_client_per_channel(
    database_url: str,
    tmp_path: Path,
    redis_client: redis.Redis,  # noqa: F811
    worker_lock: None,  # noqa: F811
    restore_eager_celery: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
):
    built: list[object] = []
    original = kombu_redis.Channel._create_client
    monkeypatch.setattr(
        kombu_redis.Channel, "_create_client", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )
    sender = make_app(database_url, tmp_path, CELERY_BROKER_URL=REDIS_URL, JOBS_EAGER=False)
    assert sender.extensions["celery"].conf.broker_transport == transport.PATH
    with sender.app_context():
        for number in range(5):
            jobs.enqueue(NEVER_RUN, f"item-{number}")
    mine = []
    for raw in redis_client.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == NEVER_RUN:
            mine.append(raw)
    try:
        sent = sorted(json.loads(raw)["headers"]["argsrepr"] for raw in mine)
        assert sent == [repr((f"item-{number}",)) for number in range(5)]
        assert len(built) <= 2, built  # kombu's own client for the channel, and ours for sending; not one each
    finally:
        for raw in mine:
            redis_client.lrem("celery", 0, raw)
    assert celery.conf.task_always_eager is False


def test_a_chunk_of_calls_lands_as_one_message_that_describes_itself(
    database_url: str,
    tmp_path: Path,
    redis_client: redis.Redis,  # noqa: F811
    worker_lock: None,  # noqa: F811
    restore_eager_celery: None,  # noqa: F811
):
    sender = make_app(database_url, tmp_path, CELERY_BROKER_URL=REDIS_URL, JOBS_EAGER=False)
    with sender.app_context():
        jobs.enqueue_each(NEVER_RUN, ([f"item-{number}"] for number in range(25)))
    mine = [raw for raw in redis_client.lrange("celery", 0, -1) if json.loads(raw)["headers"]["task"] == jobs.EACH_TASK]
    try:
        assert sorted(json.loads(raw)["headers"]["argsrepr"] for raw in mine) == [
            f"({NEVER_RUN!r}, <20 calls from ['item-0']>)",
            f"({NEVER_RUN!r}, <5 calls from ['item-20']>)",
        ]
        chunks = sorted(json.loads(base64.b64decode(json.loads(raw)["body"]))[0][1] for raw in mine)
        assert sorted(call for chunk in chunks for call in chunk) == sorted([f"item-{number}"] for number in range(25))
        assert sorted(len(chunk) for chunk in chunks) == [5, 20]
    finally:
        for raw in mine:
            redis_client.lrem("celery", 0, raw)
