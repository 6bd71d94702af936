"""Court push over HTTP: delivered, held with a work item, or rejected; stored once with its SHA-256; validation."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from app.cases.models import TimelineEvent
from app.documents.models import ServedDocument, WorkItem
from app.extensions import db, storage
from app.platform.models import IdempotencyRecord
from tests.api.service.support import PUSH, consent, document, meta, pdf_bytes, push, service_world, types


def test_push_delivers_to_a_consenting_recipient_and_stores_the_file_once(client, clock):
    world = service_world()
    content = pdf_bytes("判决书正文")
    response = push(client, world, content=content, doc_type="judgment", title="民事判决书")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "delivered" and body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["served_at"] == clock().isoformat() and body["replayed"] is False
    assert body["deadline"]["period"]["days"] == 15 and body["deadline"]["period"]["label"] == "上诉期（判决）"
    row = document(body["document_id"])
    stored = b"".join(storage.iter_chunks(row.storage_key))
    assert stored == content and row.size == len(content) and row.storage_key.endswith(str(row.id))
    assert row.served_basis == "delivered" and row.confirmed_by_recipient is True
    assert types(row.id) == ["submitted", "accepted", "delivered", "notified"]
    timeline = db.session.scalars(select(TimelineEvent.type).where(TimelineEvent.case_id == world.case.id)).all()
    assert {"document.pushed", "document.delivered", "document.served"} <= set(timeline)


def test_a_clerk_may_push_by_case_number(client, clock):
    world = service_world()
    response = push(client, world, headers=world.clerk_headers, case_id=None, case_number=world.case.case_number)
    assert response.status_code == 201 and response.get_json()["status"] == "delivered"
    assert document(response.get_json()["document_id"]).submitter_role == "clerk"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"respondent_consents": False}, "no_e_service_consent"),
        ({"joined": False}, "recipient_not_registered"),
    ],
)
def test_without_usable_consent_the_document_is_held_with_a_work_item(client, clock, setup, reason):
    world = service_world(**setup)
    response = push(client, world)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "held" and body["hold_reason"] == reason and body["served_at"] is None
    assert body["deadline"]["pending"] is True
    assert types(body["document_id"]) == ["submitted", "accepted"]
    item = db.session.scalar(select(WorkItem).where(WorkItem.document_id == document(body["document_id"]).id))
    assert item.kind == "document_held" and item.status == "open" and item.data["hold_reason"] == reason
    inbox = client.get("/api/mp/v1/documents", headers=world.respondent_headers).get_json()
    assert inbox["items"] == []


def test_an_unconfirmed_or_withdrawn_consent_holds_the_document(client, clock):
    world = service_world(respondent_consents=False)
    consent(world.respondent, by=world.respondent_user.id, confirmed=False)
    assert push(client, world).get_json()["hold_reason"] == "address_not_confirmed"
    row = consent(world.respondent, by=world.respondent_user.id)
    row.withdrawn_at = clock()
    db.session.commit()
    assert push(client, world).get_json()["hold_reason"] == "no_e_service_consent"


def _ofd() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD/>")
        package.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("evil.exe", "MZ")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "changes", "reason"),
    [
        (b"MZ\x90\x00 not a document", {}, "file_type_not_allowed"),
        (_zip(), {}, "file_type_not_allowed"),
        (b"", {}, "empty_file"),
        (pdf_bytes(), {"sha256": "0" * 64}, "sha256_mismatch"),
    ],
    ids=["exe", "zip", "empty", "sha256"],
)
def test_a_file_that_cannot_be_served_is_recorded_as_rejected_and_not_stored(client, clock, content, changes, reason):
    world = service_world()
    response = push(client, world, content=content, **changes)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "rejected" and body["rejection_reason"] == reason
    row = document(body["document_id"])
    assert row.storage_key is None and list(storage.list("courts/")) == []
    assert types(row.id) == ["submitted", "rejected"]


def test_ofd_is_accepted_and_size_limit_is_enforced(app, client, clock):
    world = service_world()
    assert push(client, world, content=_ofd()).get_json()["status"] == "delivered"
    app.config["DOCUMENT_MAX_BYTES"] = 200
    small, large = pdf_bytes("x" * 10), pdf_bytes("y" * 300)
    assert push(client, world, content=small).get_json()["status"] == "delivered"
    assert push(client, world, content=large).get_json()["rejection_reason"] == "file_too_large"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"doc_type": "love_letter"}, "doc_type"),
        ({"title": ""}, "title"),
        ({"response_days": 0}, "response_days"),
        ({"case_number": "(2026)浙0212民初1号"}, "case_id"),  # both case_id and case_number
        ({"status": "delivered"}, "status"),  # server-owned fields are refused
        ({"served_at": "2020-01-01T00:00:00+08:00"}, "served_at"),
        ({"sha256": "abc"}, "sha256"),
    ],
)
def test_invalid_meta_is_422_and_writes_nothing(client, clock, changes, field):
    world = service_world()
    response = push(client, world, **changes)
    assert response.status_code == 422, response.get_json()
    errors = json.dumps(response.get_json()["errors"])
    assert field in errors
    assert db.session.scalar(select(func.count()).select_from(ServedDocument)) == 0


def test_a_party_of_another_case_is_422_and_another_courts_case_is_404(client, clock):
    world, other = service_world(), service_world()
    wrong_party = push(client, world, recipient_party_id=str(other.respondent.id))
    assert wrong_party.status_code == 422 and "recipient_party_id" in wrong_party.get_json()["errors"]
    foreign = push(client, world, case_id=str(other.case.id), recipient_party_id=str(other.respondent.id))
    assert foreign.status_code == 404 and foreign.get_json()["reason"] == "case.not_found"


def test_missing_parts_and_malformed_meta(client, clock):
    world = service_world()
    headers = {**world.machine_headers, "Idempotency-Key": "k-1"}
    no_file = client.post(PUSH, data={"meta": json.dumps(meta(world))}, headers=headers)
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    bad_json = client.post(
        PUSH, data={"meta": "{not json", "file": (io.BytesIO(pdf_bytes()), "a.pdf")}, headers=headers
    )
    assert bad_json.status_code == 422 and "meta" in bad_json.get_json()["errors"]
    no_key = push(client, world, key=False)
    assert no_key.status_code == 400 and no_key.get_json()["reason"] == "idempotency.key_required"


def test_idempotency_key_replays_and_refuses_another_document(client, clock):
    world = service_world()
    content = pdf_bytes("同一份文书")
    first = push(client, world, key="court-42", content=content)
    again = push(client, world, key="court-42", content=content)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    other_file = push(client, world, key="court-42", content=pdf_bytes("另一份"))
    assert other_file.status_code == 422 and other_file.get_json()["reason"] == "idempotency.key_reused"
    assert db.session.scalar(select(func.count()).select_from(ServedDocument)) == 1


def test_the_document_key_outlives_the_request_record(client, clock):
    """Even after the Idempotency-Key record is purged, the same key never makes a second document."""
    world = service_world()
    content = pdf_bytes("保留")
    first = push(client, world, key="court-43", content=content).get_json()
    db.session.query(IdempotencyRecord).delete()
    db.session.commit()
    again = push(client, world, key="court-43", content=content)
    assert again.status_code == 201 and again.get_json()["document_id"] == first["document_id"]
    assert again.get_json()["replayed"] is True
    changed = push(client, world, key="court-43", content=pdf_bytes("改了"))
    assert changed.status_code == 422 and changed.get_json()["reason"] == "idempotency.key_reused"
    assert db.session.scalar(select(func.count()).select_from(ServedDocument)) == 1


def test_case_detail_counts_documents_for_staff_and_the_recipient_only(client, clock):
    world = service_world()
    push(client, world)
    push(client, world, recipient_party_id=str(world.applicant.id))  # the applicant consented on the form
    path = f"/api/mp/v1/cases/{world.case.id}"
    assert client.get(path, headers=world.clerk_headers).get_json()["counts"]["documents"] == 2
    assert client.get(path, headers=world.respondent_headers).get_json()["counts"]["documents"] == 1
