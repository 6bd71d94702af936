"""Push by reference: upload the file straight to the store with a signed form, then push `meta.upload_id`."""

from __future__ import annotations

import hashlib
import io
import json
import urllib.parse
import uuid

from sqlalchemy import select

from app.documents import escalation as delivery_escalation
from app.documents.models import DocumentUpload
from app.extensions import db, storage
from tests.api.service.support import BATCH, PUSH, document, meta, pdf_bytes, push, service_world, types
from tests.support.factories import machine_headers

UPLOADS = "/api/court/v1/documents/uploads"


def _upload(client, world, content: bytes, *, declared: bytes | None = None, send: bool = True, headers=None) -> str:
    declared = content if declared is None else declared
    body = {"content_type": "application/pdf", "size": len(declared), "sha256": hashlib.sha256(declared).hexdigest()}
    response = client.post(UPLOADS, json=body, headers=headers or world.machine_headers)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    if send:
        form = answer["upload"]
        target = urllib.parse.urlsplit(form["url"]).path
        sent = client.post(target, data={**form["fields"], form["file_field"]: (io.BytesIO(content), "x.pdf")})
        assert sent.status_code == 204, sent.get_json()
    return answer["upload_id"]


def _push_ref(client, world, upload_id: str, *, key: str = "ref-1", headers=None, **changes):
    data = {"meta": json.dumps(meta(world, upload_id=upload_id, **changes), ensure_ascii=False)}
    headers = {**(headers or world.machine_headers), "Idempotency-Key": key}
    return client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")


def test_an_uploaded_file_is_pushed_by_reference_and_becomes_the_stored_document(client, clock):
    world = service_world()
    content = pdf_bytes("先上传后推送")
    upload_id = _upload(client, world, content)
    response = _push_ref(client, world, upload_id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "delivered" and body["sha256"] == hashlib.sha256(content).hexdigest()
    row = document(body["document_id"])
    upload = db.session.get(DocumentUpload, uuid.UUID(upload_id))
    assert row.storage_key == upload.storage_key and upload.status == "used" and upload.document_id == row.id
    assert b"".join(storage.iter_chunks(row.storage_key)) == content
    assert types(row.id) == ["submitted", "accepted", "delivered", "notified"]
    replay = _push_ref(client, world, upload_id)
    assert replay.status_code == 201 and replay.get_json()["document_id"] == body["document_id"]
    reused = _push_ref(client, world, upload_id, key="ref-2")
    assert reused.status_code == 409 and reused.get_json()["reason"] == "upload.already_used"


def test_a_file_that_differs_from_its_declaration_is_rejected_and_deleted(client, clock):
    world = service_world()
    declared, sent = pdf_bytes("AAAA"), pdf_bytes("BBBB")
    upload_id = _upload(client, world, sent, declared=declared)
    body = _push_ref(client, world, upload_id).get_json()
    assert body["status"] == "rejected" and body["rejection_reason"] == "sha256_mismatch"
    upload = db.session.scalar(select(DocumentUpload))
    assert upload.status == "rejected" and storage.head(upload.storage_key) is None
    assert document(body["document_id"]).storage_key is None


def test_unknown_unsent_and_foreign_uploads_are_refused(client, clock):
    world = service_world()
    not_sent = _upload(client, world, pdf_bytes(), send=False)
    response = _push_ref(client, world, not_sent)
    assert response.status_code == 422 and "upload_id" in response.get_json()["errors"]
    other_client = machine_headers(world.court)  # another system of the same court
    theirs = _upload(client, world, pdf_bytes("theirs"), headers=other_client)
    assert _push_ref(client, world, theirs, key="ref-3").status_code == 422
    assert _push_ref(client, world, "00000000-0000-7000-8000-000000000000", key="ref-4").status_code == 422


def test_exactly_one_of_file_and_upload_id(client, clock):
    world = service_world()
    upload_id = _upload(client, world, pdf_bytes())
    both = push(client, world, upload_id=upload_id)
    assert both.status_code == 422 and "file" in both.get_json()["errors"]
    neither = client.post(
        PUSH,
        data={"meta": json.dumps(meta(world))},
        headers={**world.machine_headers, "Idempotency-Key": "n"},
        content_type="multipart/form-data",
    )
    assert neither.status_code == 422 and "file" in neither.get_json()["errors"]


def test_upload_declarations_are_checked(client, clock):
    world = service_world()
    bad = {"content_type": "application/zip", "size": 0, "sha256": "0" * 64}
    response = client.post(UPLOADS, json=bad, headers=world.machine_headers)
    assert response.status_code == 422 and {"content_type", "size"} <= set(response.get_json()["errors"])


def test_a_batch_can_reference_uploads_only(client, clock):
    world = service_world()
    first, second = _upload(client, world, pdf_bytes("一")), _upload(client, world, pdf_bytes("二"))
    items = [
        {"idempotency_key": "u-1", "meta": meta(world, upload_id=first)},
        {"idempotency_key": "u-2", "meta": meta(world, upload_id=second)},
    ]
    response = client.post(
        BATCH,
        data={"items": json.dumps(items)},
        headers=world.machine_headers,
        content_type="multipart/form-data",
    )
    assert [item["status"] for item in response.get_json()["items"]] == [201, 201]


def test_unused_uploads_are_deleted_after_they_expire(app, client, clock):
    world = service_world()
    _upload(client, world, pdf_bytes("忘了推送"))
    upload = db.session.scalar(select(DocumentUpload))
    assert storage.head(upload.storage_key) is not None
    clock.advance(seconds=app.config["UPLOAD_URL_EXPIRES_SECONDS"], hours=23)
    assert delivery_escalation.run()["uploads_purged"] == 0
    clock.advance(hours=2)
    assert delivery_escalation.run()["uploads_purged"] == 1
    db.session.refresh(upload)
    assert upload.status == "expired" and storage.head(upload.storage_key) is None
