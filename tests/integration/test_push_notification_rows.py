"""A push's notifications are written as plain rows with the document's other rows (app/notifications/dispatch.py
`row`, app/documents/chain.py `defer`), not as ORM objects: the same row `notify` writes, every column set."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from app.documents.models import DocumentNotification
from app.extensions import db
from app.jobs import AppContextTask
from app.notifications import Notification
from app.notifications import dispatch as notifications
from app.utils.ids import new_id
from tests.api.service.support import PUSH, add_lawyer, meta, pdf_bytes, service_world

COMPARED = ("user_id", "kind", "data", "subject_type", "subject_id", "status", "channel", "claims", "claimed_at")
COMPARED += ("finished_at", "error", "address_kind")


def test_a_row_names_every_column(app):
    row = notifications.row(user_id=new_id(), kind="document_served", data={})
    assert set(row) == set(Notification.__table__.columns.keys())


def test_pushed_notifications_are_the_rows_notify_writes(app, client, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)  # left pending
    world = service_world()
    lawyer, _headers = add_lawyer(world)
    data = {"meta": json.dumps(meta(world), ensure_ascii=False), "file": (io.BytesIO(pdf_bytes()), "a.pdf")}
    headers = {**world.machine_headers, "Idempotency-Key": "notification-rows"}
    answer = client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    document_id = answer.get_json()["document_id"]
    db.session.expire_all()
    notes = list(db.session.scalars(select(Notification).order_by(Notification.created_at, Notification.id)))
    rows = list(db.session.scalars(select(DocumentNotification)))
    assert {note.user_id for note in notes} == {world.respondent_user.id, lawyer.id}
    assert {row.outbox_id for row in rows} == {note.id for note in notes}
    for note in notes:
        address = None  # the inbox consent names no phone or e-mail (addressed notices: test_email_notices.py)
        expected = Notification(
            user_id=note.user_id,
            kind="document_served",
            data=note.data,
            subject_type="served_document",
            subject_id=note.subject_id,
            address_kind=address[0] if address else None,
            status="pending",
            claims=0,
        )
        assert {name: getattr(note, name) for name in COMPARED} == {name: getattr(expected, name) for name in COMPARED}
        assert str(note.subject_id) == document_id
        assert note.data["document_id"] == document_id
        assert note.created_at is not None and note.updated_at is not None
        assert note.address_enc is None
