"""Escalation of unopened documents (SMS reminder, then a clerk work item), held documents, work items."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.cases.models import TimelineEvent
from app.documents import escalation as delivery_escalation
from app.documents.models import DocumentNotification, WorkItem
from app.extensions import db
from app.sms.models import SmsMessage
from tests.api.service.support import add_lawyer, consent, document, events, push, relogin, service_world, types
from tests.support.factories import grant, login, make_user


def _timeline(case_id) -> list[str]:
    return list(
        db.session.scalars(
            select(TimelineEvent.type).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.at)
        )
    )


def test_unopened_documents_get_one_sms_reminder_then_a_work_item(app, client, clock):
    world = service_world()
    add_lawyer(world)  # the lawyer has a phone too: both are reminded
    document_id = push(client, world).get_json()["document_id"]
    clock.advance(hours=23, minutes=59)
    assert delivery_escalation.run()["reminded"] == 0
    clock.advance(minutes=2)
    assert delivery_escalation.run()["reminded"] == 1
    assert delivery_escalation.run()["reminded"] == 0  # safe to run again
    reminders = db.session.scalars(select(DocumentNotification).where(DocumentNotification.purpose == "reminder")).all()
    assert sorted((r.audience, r.channel, r.status) for r in reminders) == [
        ("agent", "sms", "sent"),
        ("recipient", "sms", "sent"),
    ]
    sent = [e for e in events(document_id) if e.data.get("purpose") == "reminder"]
    assert [(e.type, e.data["channel"], e.data["outcome"]) for e in sent] == [("notified", "sms", "sent")] * 2
    assert (
        db.session.scalar(select(func.count()).select_from(SmsMessage).where(SmsMessage.template == "document_served"))
        == 4
    )
    assert "document.reminder_sent" in _timeline(world.case.id)

    clock.advance(hours=47)  # 72 h after delivery but not yet 48 h after the reminder
    assert delivery_escalation.run()["expired"] == 0
    clock.advance(hours=1)
    assert delivery_escalation.run()["expired"] == 1
    assert delivery_escalation.run() == {
        "reminded": 0,
        "expired": 0,
        "delivered": 0,
        "notifications": 0,
        "uploads_purged": 0,
    }
    row = document(document_id)
    assert row.status == "expired" and types(document_id)[-1] == "expired"
    item = db.session.scalar(select(WorkItem).where(WorkItem.document_id == row.id))
    assert item.kind == "document_unopened" and item.status == "open" and item.data["served"] is True
    assert "document.escalated" in _timeline(world.case.id)
    relogin(world)
    listed = client.get("/api/court/v1/work-items?status=open", headers=world.clerk_headers).get_json()
    assert [entry["id"] for entry in listed["items"]] == [str(item.id)]


def test_opened_documents_are_never_reminded_and_the_thresholds_are_configurable(app, client, clock):
    app.config.update(DELIVERY_REMIND_AFTER_HOURS=2, DELIVERY_ESCALATE_AFTER_HOURS=4)
    world = service_world()
    opened = push(client, world).get_json()["document_id"]
    unopened = push(client, world).get_json()["document_id"]
    assert client.get(f"/api/mp/v1/documents/{opened}", headers=world.respondent_headers).status_code == 200
    clock.advance(hours=2, minutes=1)
    assert delivery_escalation.run()["reminded"] == 1
    clock.advance(hours=2)
    assert delivery_escalation.run()["expired"] == 1
    assert document(opened).status == "opened" and document(unopened).status == "expired"


def test_a_held_document_is_delivered_once_the_recipient_consents(client, clock):
    world = service_world(respondent_consents=False)
    document_id = push(client, world).get_json()["document_id"]
    assert delivery_escalation.run()["delivered"] == 0
    clock.advance(hours=3)
    consent(world.respondent, by=world.respondent_user.id)
    assert delivery_escalation.run()["delivered"] == 1
    assert delivery_escalation.run()["delivered"] == 0
    row = document(document_id)
    assert row.status == "delivered" and row.served_at == clock() and row.hold_reason is None
    assert types(document_id) == ["submitted", "accepted", "delivered", "notified"]
    item = db.session.scalar(select(WorkItem).where(WorkItem.document_id == row.id))
    assert (item.status, item.outcome, item.resolved_by) == ("resolved", "delivered_electronically", "system")


def _held_item(client, world):
    document_id = push(client, world).get_json()["document_id"]
    return document_id, db.session.scalar(select(WorkItem.id).where(WorkItem.document_id == document(document_id).id))


def test_resolving_a_held_documents_work_item(client, clock):
    world = service_world(respondent_consents=False)
    document_id, item_id = _held_item(client, world)
    path = f"/api/court/v1/work-items/{item_id}/resolve"
    judge = make_user()
    grant(judge, role="judge", court=world.court)
    assert client.post(path, json={"outcome": "served_by_post"}, headers=login(judge)).status_code == 403
    other = service_world()
    assert client.post(path, json={"outcome": "served_by_post"}, headers=other.clerk_headers).status_code == 404
    not_yet = client.post(path, json={"outcome": "consent_obtained"}, headers=world.clerk_headers)
    assert not_yet.status_code == 409 and not_yet.get_json()["reason"] == "document.not_deliverable"
    assert types(document_id) == ["submitted", "accepted"]
    missing = client.post(path, json={"outcome": "served_by_post"}, headers=world.clerk_headers)
    assert missing.status_code == 422 and "served_at" in missing.get_json()["errors"]
    wrong = {"outcome": "served_by_post", "method": "lodged", "served_at": document(document_id).created_at.isoformat()}
    assert client.post(path, json=wrong, headers=world.clerk_headers).status_code == 422
    posted = {
        "outcome": "served_by_post",
        "note": "EMS 1234",
        "served_at": document(document_id).created_at.isoformat(),
    }
    done = client.post(path, json=posted, headers=world.machine_headers)
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"
    assert done.get_json()["resolved_by"] != "system" and done.get_json()["outcome"] == "served_by_post"
    served = document(document_id)  # the same result as recording the postal service on the document
    assert served.status == "failed" and served.served_basis == "by_post" and served.served_at is not None
    assert types(document_id)[-2:] == ["failed", "served_otherwise"]
    assert events(document_id)[-1].data["method"] == "by_post"
    again = client.post(path, json={"outcome": "served_by_post"}, headers=world.clerk_headers)
    assert again.status_code == 409 and again.get_json()["reason"] == "work_item.already_resolved"
    assert {"work_item.resolved", "document.served_otherwise", "document.served"} <= set(_timeline(world.case.id))


def test_consent_obtained_delivers_the_held_document(client, clock):
    world = service_world(respondent_consents=False)
    document_id, item_id = _held_item(client, world)
    consent(world.respondent, by=world.respondent_user.id)
    done = client.post(
        f"/api/court/v1/work-items/{item_id}/resolve", json={"outcome": "consent_obtained"}, headers=world.clerk_headers
    )
    assert done.status_code == 200 and done.get_json()["outcome"] == "consent_obtained"
    assert document(document_id).status == "delivered"


def test_two_sweeps_at_once_remind_each_document_once(app, client, clock):
    # SQLite too: the document lock is BEGIN IMMEDIATE there (see delivery_chain.lock_document)
    world = service_world()
    ids = [push(client, world).get_json()["document_id"] for _ in range(6)]
    clock.advance(hours=25)
    results, barrier = [], threading.Barrier(4)

    def sweep():
        with app.app_context():
            barrier.wait()
            results.append(delivery_escalation.run()["reminded"])
            db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 6
    for document_id in ids:
        assert [e.data.get("purpose") for e in events(document_id)].count("reminder") == 1
