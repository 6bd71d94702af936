"""Batch push: a multipart of `items` JSON plus file parts; each item has its own key and its own result."""

from __future__ import annotations

import io
import json
import threading

import pytest
from sqlalchemy import func, select

from app.documents.models import ServedDocument
from app.extensions import db
from tests.api.service.support import BATCH, meta, pdf_bytes, service_world, types
from tests.conftest import is_postgres


def _batch(client, world, items, files, headers=None):
    data = {"items": json.dumps(items, ensure_ascii=False)}
    data.update({name: (io.BytesIO(content), f"{name}.pdf") for name, content in files.items()})
    return client.post(BATCH, data=data, headers=headers or world.machine_headers, content_type="multipart/form-data")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ServedDocument))


def test_each_item_has_its_own_result_and_a_retry_creates_nothing_twice(client, clock):
    world = service_world(respondent_consents=True)
    files = {"doc-1": pdf_bytes("一"), "doc-2": pdf_bytes("二"), "doc-3": b"GIF89a not a pdf"}
    items = [
        {"idempotency_key": "b-1", "file": "doc-1", "meta": meta(world, title="起诉状副本")},
        {"idempotency_key": "b-2", "file": "doc-2", "meta": meta(world, doc_type="summons", title="传票")},
        {"idempotency_key": "b-3", "file": "doc-3", "meta": meta(world, title="坏文件")},
        {"idempotency_key": "b-4", "file": "doc-9", "meta": meta(world, title="缺文件")},
        {"idempotency_key": "b-5", "file": "doc-1", "meta": meta(world, doc_type="love_letter")},
    ]
    response = _batch(client, world, items, files)
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["items"]
    assert [r["status"] for r in results] == [201, 201, 201, 422, 422]
    assert [r["idempotency_key"] for r in results] == ["b-1", "b-2", "b-3", "b-4", "b-5"]
    assert [r["document"]["status"] for r in results[:3]] == ["delivered", "delivered", "rejected"]
    assert results[3]["error"]["errors"] == {"file": ["No multipart part named 'doc-9'."]}
    assert "doc_type" in results[4]["error"]["errors"] and results[4]["document"] is None
    assert _count() == 3
    assert types(results[0]["document"]["document_id"]) == ["submitted", "accepted", "delivered", "notified"]

    # the court system retries the whole batch after a timeout, with the missing part fixed
    files["doc-9"] = pdf_bytes("补上")
    retry = _batch(client, world, items, files).get_json()["items"]
    assert [r["status"] for r in retry] == [200, 200, 200, 201, 422]
    assert [r["document"]["replayed"] for r in retry[:4]] == [True, True, True, False]
    assert [r["document"]["document_id"] for r in retry[:3]] == [r["document"]["document_id"] for r in results[:3]]
    assert _count() == 4


def test_a_key_reused_for_another_document_fails_that_item_only(client, clock):
    world = service_world()
    first = _batch(client, world, [{"idempotency_key": "k", "file": "f", "meta": meta(world)}], {"f": pdf_bytes("a")})
    assert first.get_json()["items"][0]["status"] == 201
    items = [
        {"idempotency_key": "k", "file": "f", "meta": meta(world, title="另一份")},
        {"idempotency_key": "k2", "file": "f", "meta": meta(world)},
    ]
    results = _batch(client, world, items, {"f": pdf_bytes("a")}).get_json()["items"]
    assert [r["status"] for r in results] == [422, 201]
    assert results[0]["error"]["reason"] == "idempotency.key_reused"


def test_the_same_key_in_a_batch_and_a_single_push_names_one_document(client, clock):
    from tests.api.service.support import push

    world = service_world()
    content = pdf_bytes("同一份")
    single = push(client, world, key="shared-key", content=content).get_json()
    batch = _batch(client, world, [{"idempotency_key": "shared-key", "file": "f", "meta": meta(world)}], {"f": content})
    item = batch.get_json()["items"][0]
    assert item["status"] == 200 and item["document"]["document_id"] == single["document_id"]


def test_batch_validation(app, client, clock):
    world = service_world()
    assert _batch(client, world, [], {}).status_code == 422
    not_json = client.post(
        BATCH, data={"items": "[{"}, headers=world.machine_headers, content_type="multipart/form-data"
    )
    assert not_json.status_code == 422 and "items" in not_json.get_json()["errors"]
    smuggled = [{"idempotency_key": "x", "file": "f", "meta": {**meta(world), "served_at": "2020-01-01T00:00:00Z"}}]
    assert _batch(client, world, smuggled, {"f": pdf_bytes()}).status_code == 422
    app.config["DOCUMENT_BATCH_MAX_ITEMS"] = 2
    many = [{"idempotency_key": f"m{n}", "file": "f", "meta": meta(world)} for n in range(3)]
    too_many = _batch(client, world, many, {"f": pdf_bytes()})
    assert too_many.status_code == 422 and "items" in too_many.get_json()["errors"]
    assert _count() == 0


def _titles() -> list[str]:
    return sorted(db.session.scalars(select(ServedDocument.title)))


def test_an_item_failing_after_its_writes_rolls_back_alone_and_the_rest_commit_together(client, clock, monkeypatch):
    from app.documents import delivery
    from app.errors import Conflict

    route = delivery.route

    def failing_route(document, case, party):
        if document.title == "坏":
            raise Conflict("Refused after the item had written its rows.")
        return route(document, case, party)

    monkeypatch.setattr(delivery, "route", failing_route)
    world = service_world(respondent_consents=True)
    files = {"a": pdf_bytes("甲"), "b": pdf_bytes("乙"), "c": pdf_bytes("丙")}
    items = [
        {"idempotency_key": "s-1", "file": "a", "meta": meta(world, title="甲")},
        {"idempotency_key": "s-2", "file": "b", "meta": meta(world, title="坏")},
        {"idempotency_key": "s-3", "file": "c", "meta": meta(world, title="丙")},
        {"idempotency_key": "s-1", "file": "a", "meta": meta(world, title="甲")},  # the same key again: replayed
        {"idempotency_key": "s-3", "file": "a", "meta": meta(world, title="丙")},  # same key, other file: refused
    ]
    results = _batch(client, world, items, files).get_json()["items"]
    assert [r["status"] for r in results] == [201, 409, 201, 200, 422]
    assert results[3]["document"]["document_id"] == results[0]["document"]["document_id"]
    assert results[4]["error"]["reason"] == "idempotency.key_reused"
    assert _titles() == ["丙", "甲"]  # the failed item's document, events and timeline entry were rolled back
    for result in (results[0], results[2]):  # the kept items' sends started after the one COMMIT
        assert types(result["document"]["document_id"]) == ["submitted", "accepted", "delivered", "notified"]


def test_a_batch_that_breaks_lands_nothing_and_its_resend_creates_everything(client, clock, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.documents import delivery
    from app.extensions import storage

    route = delivery.route

    def crashing_route(document, case, party):
        if document.title == "崩":
            raise OperationalError("INSERT ...", {}, Exception("the database connection died"))
        return route(document, case, party)

    world = service_world(respondent_consents=True)
    files = {"a": pdf_bytes("甲"), "b": pdf_bytes("乙")}
    items = [
        {"idempotency_key": "x-1", "file": "a", "meta": meta(world, title="甲")},
        {"idempotency_key": "x-2", "file": "b", "meta": meta(world, title="崩")},
    ]
    deleted: list[str] = []
    delete = storage.delete
    monkeypatch.setattr(storage, "delete", lambda key: (deleted.append(key), delete(key))[1])
    monkeypatch.setattr(delivery, "route", crashing_route)
    answer = _batch(client, world, items, files)
    assert answer.status_code == 503 and answer.get_json()["reason"] == "database.unavailable"
    assert _count() == 0  # one transaction: the first item did not land either
    assert len(deleted) == 2  # neither stored object is left behind (the crashing item's and the first one's)
    monkeypatch.setattr(delivery, "route", route)
    resend = _batch(client, world, items, files).get_json()["items"]
    assert [r["status"] for r in resend] == [201, 201]
    assert _titles() == ["崩", "甲"]


def test_a_batch_under_its_own_key_commits_once_and_replays_its_answer(client, clock):
    world = service_world(respondent_consents=True)
    files = {"a": pdf_bytes("甲"), "b": b"GIF89a not a pdf"}
    items = [
        {"idempotency_key": "k-1", "file": "a", "meta": meta(world, title="甲")},
        {"idempotency_key": "k-2", "file": "b", "meta": meta(world, title="坏文件")},
        {"idempotency_key": "k-3", "file": "zz", "meta": meta(world, title="缺")},
    ]
    headers = {**world.machine_headers, "Idempotency-Key": "whole-batch"}
    first = _batch(client, world, items, files, headers=headers)
    assert [r["status"] for r in first.get_json()["items"]] == [201, 201, 422]
    again = _batch(client, world, items, files, headers=headers)
    assert again.get_json() == first.get_json()  # the same answer, replayed
    assert _count() == 2


@pytest.mark.postgres
def test_batches_sending_the_same_keys_in_opposite_orders_do_not_deadlock(app, clock, database_url):
    """One transaction per batch holds its items' unique keys until its COMMIT: items are taken in key order, so
    two batches that share keys wait for each other instead of deadlocking (PostgreSQL would abort one)."""
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite serialises every writer on one file lock")
    world = service_world()
    files = {f"f{n}": pdf_bytes(f"对向{n}") for n in range(6)}
    forward = [
        {"idempotency_key": f"cross-{n}", "file": f"f{n}", "meta": meta(world, title=f"通知{n}")} for n in range(6)
    ]
    orders = [forward, list(reversed(forward))] * 3
    results: list = []
    barrier = threading.Barrier(len(orders))

    def run(items):
        client = app.test_client()
        barrier.wait()
        results.append(_batch(client, world, items, files))

    threads = [threading.Thread(target=run, args=(items,)) for items in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == len(orders)
    assert [answer.status_code for answer in results] == [200] * len(orders), [a.get_json() for a in results]
    made: dict[str, set] = {}
    for answer in results:
        for item in answer.get_json()["items"]:
            assert item["status"] in (200, 201), item
            made.setdefault(item["idempotency_key"], set()).add(item["document"]["document_id"])
    assert all(len(ids) == 1 for ids in made.values()) and len(made) == 6
    assert _count() == 6


def test_items_share_a_savepoint_sixteen_at_a_time_and_a_bad_one_still_fails_alone(client, clock, monkeypatch):
    """On PostgreSQL a transaction caches 64 subtransactions: 40 items take 3 SAVEPOINTs, not 40. The group with a
    refused item is rolled back (its stored objects deleted) and runs again one SAVEPOINT per item."""
    from sqlalchemy import event

    from app.documents import delivery
    from app.errors import Conflict
    from app.extensions import storage

    route = delivery.route

    def failing_route(document, case, party):
        if document.title == "坏":
            raise Conflict("Refused after the item had written its rows.")
        return route(document, case, party)

    monkeypatch.setattr(delivery, "route", failing_route)
    deleted: list[str] = []
    delete = storage.delete
    monkeypatch.setattr(storage, "delete", lambda key: (deleted.append(key), delete(key))[1])
    world = service_world(respondent_consents=True)
    files = {f"f{n:02}": pdf_bytes(f"第{n}份") for n in range(40)}
    titles = [("坏" if n == 20 else f"第{n}份") for n in range(40)]
    items = [
        {"idempotency_key": f"g-{n:02}", "file": f"f{n:02}", "meta": meta(world, title=titles[n])} for n in range(40)
    ]
    savepoints: list[str] = []

    def seen(conn, cursor, sql, parameters, context, executemany) -> None:
        if sql.startswith("SAVEPOINT"):
            savepoints.append(sql)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        results = _batch(client, world, items, files).get_json()["items"]
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert [r["status"] for r in results] == [409 if n == 20 else 201 for n in range(40)]
    # Three groups, the second again item by item; a group's rows are flushed at its end, so the second sent
    # nothing before its refused item and SQLAlchemy never sent its SAVEPOINT (it is emitted with the first write).
    # Item by item, a document is written with the item's other rows (app/documents/push.py `_insert_documents`),
    # so the refused item sent nothing either: 15 SAVEPOINTs for the 16 items.
    assert len(savepoints) == 2 + 15
    assert _count() == 39 and "坏" not in _titles()
    kept = set(db.session.scalars(select(ServedDocument.storage_key)))
    assert len(kept) == 39 and not kept & set(deleted)
    assert all(storage.head(key) is not None for key in kept)
    assert {info.key for info in storage.list("courts/")} == kept  # the rolled-back group's objects are gone
    for result in results[:2]:  # the kept items' sends started after the one COMMIT
        assert types(result["document"]["document_id"]) == ["submitted", "accepted", "delivered", "notified"]
