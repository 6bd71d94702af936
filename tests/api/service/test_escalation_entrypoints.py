"""The escalation sweep's entry points (the Celery task on the beat schedule, `flask delivery-sweep`), and one
bad document never stopping the sweep for the others."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import func, select

from app.cases.models import TimelineEvent
from app.documents import escalation as delivery_escalation
from app.documents.models import DocumentNotification, WorkItem
from app.documents.tasks import SWEEP_EVERY, sweep_delivery
from app.extensions import celery, db
from app.identity.models import User
from app.security import pii
from app.sms.models import SmsMessage
from tests.api.service.support import document, events, push, service_world

IDLE = {"reminded": 0, "expired": 0, "delivered": 0, "notifications": 0, "uploads_purged": 0}


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _on_timeline(case_id, event_type: str) -> int:
    return _count(TimelineEvent, TimelineEvent.case_id == case_id, TimelineEvent.type == event_type)


def _reminders(document_id) -> list[tuple[str, str]]:
    return [(e.type, e.data["channel"]) for e in events(document_id) if e.data.get("purpose") == "reminder"]


def _unopened_items(document_id) -> int:
    row = document(document_id)
    return _count(WorkItem, WorkItem.document_id == row.id, WorkItem.kind == "document_unopened")


def _sms() -> int:
    return _count(SmsMessage, SmsMessage.template == "document_served")


def test_the_sweep_is_on_the_beat_schedule_every_five_minutes(app):
    entry = celery.conf.beat_schedule["microcourt-delivery-sweep"]
    assert entry["task"] == sweep_delivery.name == "microcourt.delivery.sweep"
    assert entry["schedule"] == SWEEP_EVERY == dt.timedelta(minutes=5)


def test_the_celery_task_reminds_once_then_hands_the_document_to_a_clerk_once(app, client, clock):
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    clock.advance(hours=23, minutes=59)
    assert sweep_delivery.delay().result == IDLE  # eager here; not yet due
    sent_before = _sms()
    clock.advance(minutes=2)
    first = sweep_delivery.delay()
    assert first.successful() and first.result == {**IDLE, "reminded": 1}
    assert _reminders(document_id) == [("notified", "sms")]
    assert _sms() == sent_before + 1
    assert _count(DocumentNotification, DocumentNotification.purpose == "reminder") == 1
    assert _on_timeline(world.case.id, "document.reminder_sent") == 1
    assert document(document_id).reminded_at == clock()

    assert sweep_delivery.delay().result == IDLE  # a second run sends nothing more
    assert _reminders(document_id) == [("notified", "sms")] and _sms() == sent_before + 1

    clock.advance(hours=48)  # 72 h after delivery, 48 h after the reminder
    assert sweep_delivery.delay().result == {**IDLE, "expired": 1}
    assert sweep_delivery.delay().result == IDLE
    assert document(document_id).status == "expired" and _unopened_items(document_id) == 1
    assert _on_timeline(world.case.id, "document.escalated") == 1
    assert _on_timeline(world.case.id, "document.reminder_sent") == 1 and _sms() == sent_before + 1


def _cli(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["delivery-sweep"])
    return result.exit_code, result.output


def test_flask_delivery_sweep_prints_what_it_did(app, client, clock):
    assert _cli(app) == (0, f"{IDLE} webhooks due: 0\n")  # nothing due: zeros
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    sent_before = _sms()
    clock.advance(hours=24, minutes=1)
    assert _cli(app) == (0, f"{ {**IDLE, 'reminded': 1} } webhooks due: 0\n")
    assert _cli(app) == (0, f"{IDLE} webhooks due: 0\n")
    assert _reminders(document_id) == [("notified", "sms")] and _sms() == sent_before + 1
    assert _on_timeline(world.case.id, "document.reminder_sent") == 1

    clock.advance(hours=48)
    assert _cli(app) == (0, f"{ {**IDLE, 'expired': 1} } webhooks due: 0\n")
    assert _cli(app) == (0, f"{IDLE} webhooks due: 0\n")
    assert document(document_id).status == "expired" and _unopened_items(document_id) == 1
    assert _on_timeline(world.case.id, "document.escalated") == 1


def _retire_phone_key(user_id) -> None:
    """The recipient's phone was encrypted under a key since removed from PII_KEYS: it cannot be decrypted."""
    user = db.session.get(User, user_id)
    version, _kid, nonce, sealed = pii.encrypt("+8613900000000", field="phone").split(".")
    user.phone_enc = ".".join((version, "retired", nonce, sealed))
    db.session.commit()


def test_a_document_that_fails_is_skipped_and_the_others_are_still_handled(app, client, clock, caplog):
    bad = service_world()
    poisoned = push(client, bad).get_json()["document_id"]
    _retire_phone_key(bad.respondent_user.id)
    clock.advance(minutes=1)  # delivered later: the failing document comes first in the sweep's order
    good = service_world()
    fine = push(client, good).get_json()["document_id"]
    clock.advance(hours=24, minutes=2)
    with caplog.at_level(logging.ERROR, logger="app.documents.escalation"):
        assert sweep_delivery.delay().result == {**IDLE, "reminded": 1}
    assert _reminders(fine) == [("notified", "sms")] and _reminders(poisoned) == []
    assert document(poisoned).reminded_at is None and document(poisoned).status == "delivered"
    assert _on_timeline(bad.case.id, "document.reminder_sent") == 0
    assert any(str(document(poisoned).id) in record.getMessage() for record in caplog.records)
    assert _cli(app) == (0, f"{IDLE} webhooks due: 0\n")  # tried again, still failing, still harmless


def test_unknown_or_malformed_ids_in_the_sweeps_input_are_skipped(app, client, clock, monkeypatch):
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    listed = delivery_escalation._ids

    def with_bad_ids(*conditions):
        return [uuid.uuid4(), "not-a-uuid", *listed(*conditions)]

    monkeypatch.setattr(delivery_escalation, "_ids", with_bad_ids)
    clock.advance(hours=24, minutes=1)
    assert sweep_delivery.delay().result == {**IDLE, "reminded": 1}
    clock.advance(hours=48)
    assert sweep_delivery.delay().result == {**IDLE, "expired": 1}
    assert document(document_id).status == "expired" and _unopened_items(document_id) == 1
