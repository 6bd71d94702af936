"""Many calls of one task travel a few to a job (`jobs.enqueue_each`): a batch of documents enqueues a handful of
messages, not one per notification, and a failing call in a chunk never stops the others (issue 18)."""

from __future__ import annotations

import io
import json
import logging
import math

import pytest
from sqlalchemy import select

from app.extensions import celery, db
from app.jobs import AppContextTask
from app.notifications import Notification
from app.notifications import dispatch as notifications
from app.platform import jobs, transactions
from tests.api.service.support import BATCH, meta, pdf_bytes, service_world

calls: list[tuple] = []


@celery.task(name="tests.chunks.record")
def record(*args: object) -> None:
    calls.append((*args, id(db.session())))
    if args and args[0] == "boom":
        raise RuntimeError("this call fails")


@pytest.fixture
def sent(monkeypatch):
    """What would go to the broker: (task name, args) per message, nothing run."""
    messages: list[tuple[str, tuple]] = []
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, args=(), **_: messages.append((task.name, args)))
    return messages


def test_one_call_is_a_job_of_its_own(app, sent):
    jobs.enqueue_each("tests.chunks.record", [["only"]])
    assert sent == [("tests.chunks.record", ("only",))]


def test_many_calls_travel_in_chunks_in_their_order(app, sent):
    jobs.enqueue_each("tests.chunks.record", ([n] for n in range(45)))
    assert [name for name, _ in sent] == [jobs.EACH_TASK] * 3
    assert [args[0] for _, args in sent] == ["tests.chunks.record"] * 3
    assert [args[1] for _, args in sent] == [
        [[n] for n in range(0, 20)],
        [[n] for n in range(20, 40)],
        [[40], [41], [42], [43], [44]],
    ]


def test_no_call_sends_nothing(app, sent):
    jobs.enqueue_each("tests.chunks.record", [])
    assert sent == []


def test_a_chunk_runs_each_call_in_its_own_session_and_goes_on_past_a_failure(app, caplog):
    calls.clear()
    with caplog.at_level(logging.ERROR, logger="app.platform.jobs"):
        failed = celery.tasks[jobs.EACH_TASK].apply(args=("tests.chunks.record", [["a"], ["boom"], ["c"]])).get()
    assert failed == 1
    assert [call[0] for call in calls] == ["a", "boom", "c"]
    assert len({call[1] for call in calls}) == 3  # a fresh app context, so a fresh session, per call
    assert [r.getMessage() for r in caplog.records] == ["job call in a chunk failed"]
    assert caplog.records[0].call_args == ["boom"]


def test_a_chunk_for_a_task_this_worker_does_not_know_is_logged_and_left_to_the_sweep(app, caplog):
    with caplog.at_level(logging.ERROR, logger="app.platform.jobs"):
        assert jobs.run_each("microcourt.newer.only", [["x"], ["y"]]) == 2
    assert caplog.records[0].task == "microcourt.newer.only"


class _Mergeable:
    def __init__(self, values: list[int]) -> None:
        self.values = values

    def __call__(self) -> None:
        pass

    def merge(self, later: _Mergeable) -> _Mergeable:
        return _Mergeable(self.values + later.values)


def test_neighbouring_callbacks_that_merge_become_one_and_others_keep_their_place():
    def plain() -> None:
        pass

    out = transactions.merged([_Mergeable([1]), _Mergeable([2]), plain, _Mergeable([3]), _Mergeable([4]), plain, plain])
    assert [getattr(callback, "values", "plain") for callback in out] == [[1, 2], "plain", [3, 4], "plain", "plain"]


def _batch(client, world, count: int):
    items = [
        {"idempotency_key": f"chunk-{n}", "file": f"f{n}", "meta": meta(world, title=f"文书{n}")} for n in range(count)
    ]
    data: dict = {"items": json.dumps(items, ensure_ascii=False)}
    data.update({f"f{n}": (io.BytesIO(pdf_bytes(f"第{n}份")), f"{n}.pdf") for n in range(count)})
    return client.post(BATCH, data=data, headers=world.machine_headers, content_type="multipart/form-data")


def test_a_batch_enqueues_its_notifications_a_chunk_at_a_time(client, clock, sent):
    world = service_world()
    answer = _batch(client, world, 25)
    assert answer.status_code == 200 and {item["status"] for item in answer.get_json()["items"]} == {201}
    notes = db.session.scalars(select(Notification.id)).all()
    assert len(notes) == 25  # one per document: the respondent's
    deliveries = [args for name, args in sent if name == jobs.EACH_TASK and args[0] == notifications.DELIVER_TASK]
    assert len(deliveries) == math.ceil(len(notes) / jobs.EACH_CHUNK)
    assert sorted(call[0] for _, chunk in deliveries for call in chunk) == sorted(str(note) for note in notes)
    assert not [name for name, _ in sent if name == notifications.DELIVER_TASK]  # no job of its own for any


def test_a_batch_delivers_every_notification_when_jobs_run_in_process(client, clock):
    world = service_world()
    answer = _batch(client, world, 23)
    assert answer.status_code == 200
    db.session.expire_all()
    assert {note.status for note in db.session.scalars(select(Notification))} == {"sent"}
