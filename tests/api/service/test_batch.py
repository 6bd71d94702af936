"""Batch push: a multipart of `items` JSON plus file parts; each item has its own key and its own result."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from app.documents.models import ServedDocument
from app.extensions import db
from tests.api.service.support import BATCH, meta, pdf_bytes, service_world, types


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
