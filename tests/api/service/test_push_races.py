"""Idempotency under concurrent duplicates: a court system's retries racing each other create one document."""

from __future__ import annotations

import io
import json
import threading

import pytest
from sqlalchemy import func, select

from app.documents.models import ServedDocument
from app.extensions import db, storage
from tests.api.service.support import BATCH, PUSH, meta, pdf_bytes, service_world
from tests.conftest import is_postgres

THREADS = 8


def _race(app, send) -> list:
    results, barrier = [], threading.Barrier(THREADS)

    def run():
        client = app.test_client()
        barrier.wait()
        response = send(client)
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == THREADS
    return results


def _only_postgres(database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every writer on one file lock, so these races cannot happen there"
        )


@pytest.mark.postgres
def test_concurrent_duplicate_pushes_create_one_document(app, clock, database_url):
    _only_postgres(database_url)
    world = service_world()
    content, body = pdf_bytes("并发重试"), json.dumps(meta(world), ensure_ascii=False)
    headers = {**world.machine_headers, "Idempotency-Key": "race-push-1"}

    def send(client):
        data = {"meta": body, "file": (io.BytesIO(content), "a.pdf")}
        return client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")

    results = _race(app, send)
    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {201, 409} and 201 in statuses, results
    assert all(body["reason"] == "idempotency.in_flight" for status, body in results if status == 409)
    assert len({body["document_id"] for status, body in results if status == 201}) == 1
    assert db.session.scalar(select(func.count()).select_from(ServedDocument)) == 1
    assert len(list(storage.list("courts/"))) == 1


@pytest.mark.postgres
def test_concurrent_batches_with_the_same_item_keys_create_each_document_once(app, clock, database_url):
    _only_postgres(database_url)
    world = service_world()
    files = {f"f{n}": pdf_bytes(f"批量{n}") for n in range(4)}
    items = json.dumps(
        [
            {"idempotency_key": f"race-item-{n}", "file": f"f{n}", "meta": meta(world, title=f"通知{n}")}
            for n in range(4)
        ],
        ensure_ascii=False,
    )

    def send(client):
        data = {"items": items, **{name: (io.BytesIO(content), f"{name}.pdf") for name, content in files.items()}}
        return client.post(BATCH, data=data, headers=world.machine_headers, content_type="multipart/form-data")

    results = _race(app, send)
    assert all(status == 200 for status, _ in results), results
    per_key: dict[str, set] = {}
    for _status, body in results:
        for item in body["items"]:
            assert item["status"] in (200, 201), item
            per_key.setdefault(item["idempotency_key"], set()).add(item["document"]["document_id"])
    assert all(len(ids) == 1 for ids in per_key.values()) and len(per_key) == 4
    created = [item for _s, body in results for item in body["items"] if item["status"] == 201]
    assert len(created) == 4  # each document was created by exactly one of the racing requests
    assert db.session.scalar(select(func.count()).select_from(ServedDocument)) == 4
    assert len(list(storage.list("courts/"))) == 4
