"""Archive builds at the service level: one build at a time per row, a superseded build is thrown away and the
row built again, a failed build says why and is retried on the next request, the sweep re-enqueues lost builds and
deletes archives past their retention; and concurrent requests over HTTP make one row and one build."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from app.casefile import ArchiveBuild, archive, builds
from app.extensions import db, storage
from app.identity import login_sessions as sessions
from tests.api.casefile.support import API, upload
from tests.api.service.support import service_world
from tests.support.factories import login, make_user
from tests.support.live_server import live_server

TASK = "test.archive.build"


@pytest.fixture
def enqueued(monkeypatch) -> list[str]:
    """Jobs are recorded instead of run, so the test drives each build itself."""
    calls: list[str] = []
    monkeypatch.setattr(builds.jobs, "enqueue", lambda task, build_id: calls.append(build_id))
    return calls


def _produce(text: str):
    def produce(row: ArchiveBuild) -> builds.Produced:
        member = archive.Member("a.txt", "A", "test", None, "data", [text.encode()])
        return builds.Produced([member], {"summary": {}}, "T", "t.zip")

    return produce


def _request(actor, fingerprint: str) -> ArchiveBuild:
    return builds.request(
        kind="personal_data", subject_key="s", actor=actor, manifest={}, fingerprint=fingerprint, task=TASK
    )


def test_a_build_superseded_while_running_is_discarded_and_the_row_built_again(app, clock, enqueued):
    actor = sessions.load_principal(make_user())
    row = _request(actor, "f1")
    build_id = row.id
    assert enqueued == [str(build_id)] and row.status == "queued"

    def produce_while_asked_again(current: ArchiveBuild) -> builds.Produced:
        assert builds.run(build_id, _produce("x"), task=TASK) == "skipped"  # one build at a time
        _request(actor, "f2")  # the contents changed meanwhile
        return _produce("old")(current)

    assert builds.run(build_id, produce_while_asked_again, task=TASK) == "superseded"
    assert list(storage.list(f"archives/personal_data/{build_id}/")) == []  # the stale archive is gone
    assert builds.run(build_id, _produce("new"), task=TASK) == "ready"
    db.session.expire_all()
    row = db.session.get(ArchiveBuild, build_id)
    assert (row.status, row.generation, row.fingerprint) == ("ready", 2, "f2")
    assert [info.key for info in storage.list(f"archives/personal_data/{build_id}/")] == [row.object_key]
    # the same contents asked again: the ready archive answers, nothing is built
    before = len(enqueued)
    assert _request(actor, "f2").status == "ready" and len(enqueued) == before


def test_a_failed_build_says_why_and_the_next_request_builds_again(app, clock, enqueued):
    actor = sessions.load_principal(make_user())
    build_id = _request(actor, "f1").id

    def broken(row: ArchiveBuild) -> builds.Produced:
        raise OSError("disk full")

    assert builds.run(build_id, broken, task=TASK) == "failed"
    db.session.expire_all()
    row = db.session.get(ArchiveBuild, build_id)
    assert row.status == "failed" and row.error == "OSError" and row.object_key is None
    assert _request(actor, "f1").status == "queued" and enqueued[-1] == str(build_id)
    assert builds.run(build_id, _produce("ok"), task=TASK) == "ready"


def test_the_sweep_requeues_lost_builds_and_expires_old_archives(app, clock, enqueued):
    actor = sessions.load_principal(make_user())
    lost = _request(actor, "f1")
    other = builds.request(kind="personal_data", subject_key="t", actor=actor, manifest={}, fingerprint="g", task=TASK)
    assert builds.run(other.id, _produce("done"), task=TASK) == "ready"
    key = db.session.get(ArchiveBuild, other.id).object_key
    enqueued.clear()
    clock.advance(minutes=5)
    assert builds.sweep({"personal_data": TASK}) == 1 and enqueued == [str(lost.id)]
    clock.advance(hours=25)
    builds.sweep({"personal_data": TASK})
    db.session.expire_all()
    assert db.session.get(ArchiveBuild, other.id).status == "expired" and storage.head(key) is None


def test_concurrent_requests_for_one_case_file_make_one_row_and_one_build(app, clock):
    world = service_world()
    client = app.test_client()
    upload(client, login(world.people["filer"]), world.case.id, title="借条原件", submit=True)
    results: list[tuple[int, dict]] = []
    url = f"{API}/cases/{world.case.id}/case-file"
    headers = world.respondent_headers
    with live_server(app=app) as server:
        barrier = threading.Barrier(6)

        def ask() -> None:
            barrier.wait()
            with requests.post(server.url + url, headers=headers, timeout=60) as response:
                results.append((response.status_code, response.json()))

        threads = [threading.Thread(target=ask) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert [status for status, _body in results] == [202] * 6, results
    assert len({body["build_id"] for _status, body in results}) == 1
    db.session.rollback()
    rows = db.session.scalar(
        select(func.count()).select_from(ArchiveBuild).where(ArchiveBuild.case_id == world.case.id)
    )
    row = db.session.get(ArchiveBuild, uuid.UUID(results[0][1]["build_id"]))
    assert rows == 1 and row.generation == 1 and row.attempts == 1 and row.status == "ready"
