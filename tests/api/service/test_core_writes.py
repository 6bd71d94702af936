"""The rows of a push, an open and an acknowledgement written by Core statements (issue 18), exactly as before.

A single push writes its document once, with its final state, first in the one flush (no UPDATE after it); its
notification rows wait with its events; webhook delivery rows are one INSERT. An act's change of a document is one
Core UPDATE of the changed columns, and a flush with nothing else to write still writes the act's event. What lands
is what the unit of work wrote: the same rows, the chain verifies, the answer matches the table.
"""

from __future__ import annotations

import io
import json
import uuid

from sqlalchemy import event, select

from app.documents import chain, chain_audit
from app.documents import push as documents_push
from app.documents.chain import SYSTEM
from app.documents.models import DeliveryEvent, DocumentNotification, ServedDocument
from app.extensions import db, storage
from app.jobs import AppContextTask
from app.security import pii
from app.security.permissions import Principal
from app.webhooks.deliveries import SECRET_FIELD
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.service.support import PUSH, document, meta, pdf_bytes, push, service_world, types

MP = "/api/mp/v1"


def _statements(run) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, sql, parameters, context, executemany) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def test_a_push_inserts_its_document_once_with_its_final_state(client, clock, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    answers = []
    seen = _statements(lambda: answers.append(push(client, world)))
    answer = answers[0]
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    documents = [sql for sql in seen if "served_documents" in sql and not sql.startswith("SELECT")]
    # One statement writes the document: on SQLite its own INSERT, on PostgreSQL the INSERT of a statement that
    # writes its events and notices with it (WITH ... INSERT INTO served_documents: app/documents/combined.py).
    assert len(documents) == 1 and "INSERT INTO served_documents" in documents[0], documents
    assert "UPDATE served_documents" not in documents[0] and documents[0].startswith(("INSERT", "WITH")), documents
    row = document(body["document_id"])
    assert (row.status, row.sha256, row.verification_code) == ("delivered", body["sha256"], body["verification_code"])
    assert row.channel == "mini_program_inbox" and row.event_count == 3 and row.head_hash
    assert row.created_at is not None and row.updated_at is not None and row.delivered_at is not None
    assert types(body["document_id"]) == ["submitted", "accepted", "delivered"]
    assert chain.verify_document(row) is None and chain_audit.verify_all(objects=False).ok
    notes = list(db.session.scalars(select(DocumentNotification).where(DocumentNotification.document_id == row.id)))
    assert [(note.audience, note.purpose, note.channel, note.status) for note in notes] == [
        ("recipient", "delivery", "auto", "queued")
    ]
    assert notes[0].outbox_id is not None and notes[0].created_at is not None


def test_a_held_document_is_inserted_before_its_work_item(client, clock, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world(respondent_consents=False)
    answer = push(client, world)
    assert answer.status_code == 201, answer.get_json()
    row = document(answer.get_json()["document_id"])
    assert (row.status, row.hold_reason, row.channel) == ("held", "no_e_service_consent", "mini_program_inbox")
    assert chain.verify_document(row) is None


def test_a_submission_key_used_before_conflicts_at_the_insert_and_answers_the_first_document(app, clock, monkeypatch):
    """Past the idempotency layer (a lost answer, a record expired): the document's INSERT conflicts in the flush,
    the push rolls back, deletes the object it stored and answers the key's document."""
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    actor = Principal(kind="machine", subject="court-system", court_roles={world.court.id: frozenset({"court_system"})})
    content = pdf_bytes("同一份")
    ids = {"case_id": world.case.id, "recipient_party_id": world.respondent.id}  # as the API's schema gives them
    first = documents_push.push(
        actor=actor, meta={**meta(world), **ids}, stream=io.BytesIO(content), submission_key="k-1"
    )
    deleted: list[str] = []
    delete = storage.delete
    monkeypatch.setattr(storage, "delete", lambda key: (deleted.append(key), delete(key))[1])
    again = documents_push.push(
        actor=actor, meta={**meta(world), **ids}, stream=io.BytesIO(content), submission_key="k-1"
    )
    assert again["replayed"] and again["document_id"] == first["document_id"]
    assert len(deleted) == 1 and deleted[0] != document(first["document_id"]).storage_key
    assert db.session.scalar(select(db.func.count()).select_from(ServedDocument)) == 1
    assert types(first["document_id"]) == ["submitted", "accepted", "delivered"]


def test_webhook_rows_of_a_push_are_written_for_each_subscribed_event(client, clock, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    subscription = WebhookSubscription(
        court_id=world.court.id,
        url="https://court.example/hooks",
        events=["document.submitted", "document.delivered"],
        secret_enc=pii.encrypt("whsec_x", field=SECRET_FIELD),
        created_by="test",
    )
    db.session.add(subscription)
    db.session.commit()
    answer = push(client, world)
    assert answer.status_code == 201, answer.get_json()
    document_id = answer.get_json()["document_id"]
    rows = list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.event_type)))
    events = {e.id: e for e in db.session.scalars(select(DeliveryEvent))}
    assert [row.event_type for row in rows] == ["document.delivered", "document.submitted"]
    for row in rows:
        assert (row.status, row.attempts, row.subscription_id) == ("pending", 0, subscription.id)
        assert row.event_id in events and row.next_attempt_at is not None and row.created_at is not None
        body = json.loads(row.body)
        assert body["id"] == str(row.event_id) and body["data"]["document_id"] == document_id
        assert body["data"]["hash"] == events[row.event_id].hash


def test_an_act_updates_the_changed_columns_once_and_a_bare_flush_writes_its_event(client, clock, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    db.session.close()
    seen = _statements(lambda: client.get(f"{MP}/documents/{document_id}", headers=world.respondent_headers).get_json())
    # One UPDATE of the changed columns: its own statement on SQLite, on PostgreSQL the CTE of the statement that
    # inserts the act's event (WITH document AS (UPDATE served_documents ...) INSERT INTO delivery_events ...).
    updates = [sql for sql in seen if "UPDATE served_documents" in sql]
    own = ("UPDATE served_documents", "WITH document AS (UPDATE served_documents")
    assert all(sql.startswith(own) for sql in updates), updates
    assert len(updates) == 1 and "first_opened_at" in updates[0] and "updated_at" in updates[0], updates
    assert "verification_code" not in updates[0]  # only what changed
    row = document(document_id)
    assert row.status == "opened" and row.first_opened_at is not None and row.updated_at >= row.created_at
    assert types(document_id) == ["submitted", "accepted", "delivered", "opened"]
    assert chain.verify_document(row) is None
    # Inside one transaction: a flush that has only the document's change writes its event, visible to a read.
    db.session.close()
    locked = chain.lock_document(uuid.UUID(document_id))
    before = locked.updated_at
    clock.advance(seconds=5)
    chain.append(locked, "downloaded", actor=SYSTEM, data={})
    db.session.flush()
    assert not db.session.dirty
    seqs = db.session.scalars(select(DeliveryEvent.seq).where(DeliveryEvent.document_id == locked.id)).all()
    assert sorted(seqs) == [1, 2, 3, 4, 5]
    db.session.commit()
    fresh = document(document_id)
    assert fresh.event_count == 5 and fresh.updated_at > before and chain.verify_document(fresh) is None


def test_a_rolled_back_act_writes_nothing(client, clock, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    db.session.close()
    locked = chain.lock_document(uuid.UUID(document_id))
    chain.append(locked, "downloaded", actor=SYSTEM, data={})
    locked.status = "opened"
    db.session.flush()
    db.session.rollback()
    fresh = document(document_id)
    assert (fresh.status, fresh.event_count) == ("delivered", 3)
    assert types(document_id) == ["submitted", "accepted", "delivered"]


def test_a_push_multipart_answer_is_unchanged(client, clock, monkeypatch):
    """The answer's fields, against the stored row."""
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    headers = {**world.machine_headers, "Idempotency-Key": "same"}
    data = {"meta": json.dumps(meta(world), ensure_ascii=False), "file": (io.BytesIO(pdf_bytes("x")), "a.pdf")}
    first = client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")
    data = {"meta": json.dumps(meta(world), ensure_ascii=False), "file": (io.BytesIO(pdf_bytes("x")), "a.pdf")}
    second = client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")
    assert first.status_code == 201 and second.get_data() == first.get_data()
    body = first.get_json()
    row = document(body["document_id"])
    assert body["status"] == row.status and body["size"] == row.size and body["served_at"] is not None
