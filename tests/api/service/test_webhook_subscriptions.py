"""Managing webhook subscriptions: change, pause and resume, delete, rotate the secret; only the owning court.

The subscriptions here point at 127.0.0.1:9 (nothing listens): every delivery fails at once and stays
pending, which is what pausing and deleting must cancel. Deliveries to a real receiver (rotation, history,
re-activation after a 410) are in tests/integration/test_webhooks.py.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.audit import log as audit
from app.audit.models import AuditEvent
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.webhooks import subscriptions as subscriptions
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.service.support import push, service_world
from tests.support.review import machine, principal, staff

DEAD_URL = "http://127.0.0.1:9/hooks/microcourt"
HOOKS = "/api/court/v1/webhooks"


def _subscription(world, url: str = DEAD_URL, events=("*",)) -> dict:
    return subscriptions.subscribe(actor=machine(world.court), url=url, events=list(events), court_id=None)


def _deliveries(webhook_id) -> list[WebhookDelivery]:
    db.session.expire_all()
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == webhook_id)
    return list(db.session.scalars(query))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_url_and_events_change_under_the_rules_of_subscribing(app, clock):
    world = service_world()
    created = _subscription(world)
    actor = machine(world.court)
    with pytest.raises(ValidationFailed) as refused:
        subscriptions.update_subscription(
            actor=actor, webhook_id=created["webhook_id"], url="https://evil.example.com/x", events=["document.boom"]
        )
    assert "WEBHOOK_ALLOWED_HOSTS" in refused.value.errors["url"][0] and "document.boom" in str(refused.value.errors)
    app.config["WEBHOOK_ALLOW_HTTP"] = False
    with pytest.raises(ValidationFailed, match="invalid") as refused:
        subscriptions.update_subscription(actor=actor, webhook_id=created["webhook_id"], url=DEAD_URL + "2")
    assert "https" in refused.value.errors["url"][0]
    app.config["WEBHOOK_ALLOW_HTTP"] = True
    db.session.expire_all()
    assert db.session.get(WebhookSubscription, created["webhook_id"]).url == DEAD_URL  # nothing half-changed
    changed = subscriptions.update_subscription(
        actor=actor,
        webhook_id=created["webhook_id"],
        url="http://localhost:9/new?token=abc",
        events=["document.opened"],
    )
    assert changed["url"] == "http://localhost:9/new?token=abc" and changed["events"] == ["document.opened"]
    assert changed["status"] == "active" and changed["notice"] is None and "secret" not in changed
    [event] = _audit("webhook.updated")
    assert event.details["changed"] == ["url", "events"] and event.details["host"] == "localhost"
    assert "token" not in str(event.details) and event.object_id == str(created["webhook_id"])


def test_pausing_cancels_pending_deliveries_and_records_none_until_resumed(client, clock):
    world = service_world()
    created = _subscription(world, events=["document.delivered"])
    push(client, world)
    [pending] = _deliveries(created["webhook_id"])
    assert pending.status == "pending"  # nothing listens on port 9
    paused = subscriptions.update_subscription(
        actor=machine(world.court), webhook_id=created["webhook_id"], active=False
    )
    assert paused["status"] == "paused" and paused["disabled_reason"] == "paused by the court"
    [cancelled] = _deliveries(created["webhook_id"])
    assert cancelled.status == "cancelled" and cancelled.last_error == "subscription paused"
    push(client, world)
    assert len(_deliveries(created["webhook_id"])) == 1  # nothing recorded while paused
    resumed = subscriptions.update_subscription(
        actor=machine(world.court), webhook_id=created["webhook_id"], active=True
    )
    assert resumed["status"] == "active" and resumed["notice"] is None and resumed["disabled_reason"] is None
    push(client, world)
    assert sorted(row.status for row in _deliveries(created["webhook_id"])) == ["cancelled", "pending"]
    assert [event.details["changed"] for event in _audit("webhook.updated")] == [["paused"], ["resumed"]]


def test_deleting_cancels_pending_deliveries_keeps_the_rows_and_hides_the_subscription(client, clock):
    world = service_world()
    created = _subscription(world)
    kept = _subscription(world, events=["document.delivered"])
    push(client, world)
    before = len(_deliveries(created["webhook_id"]))
    assert before == 4
    actor = machine(world.court)
    subscriptions.delete_subscription(actor=actor, webhook_id=created["webhook_id"])
    rows = _deliveries(created["webhook_id"])
    assert len(rows) == before and {row.status for row in rows} == {"cancelled"}
    assert {row.last_error for row in rows} == {"subscription deleted"}
    assert [row["webhook_id"] for row in subscriptions.list_subscriptions(actor=actor)] == [kept["webhook_id"]]
    assert {row.status for row in _deliveries(kept["webhook_id"])} == {"pending"}  # the other one is untouched
    for call in (
        lambda: subscriptions.delete_subscription(actor=actor, webhook_id=created["webhook_id"]),
        lambda: subscriptions.update_subscription(actor=actor, webhook_id=created["webhook_id"], active=True),
        lambda: subscriptions.rotate_secret(actor=actor, webhook_id=created["webhook_id"]),
    ):
        with pytest.raises(NotFound):
            call()
    push(client, world)
    assert len(_deliveries(created["webhook_id"])) == before
    [event] = _audit("webhook.deleted")
    assert event.details["cancelled_deliveries"] == 4 and event.actor_kind == "machine"


def test_rotation_returns_a_new_secret_once_and_audits_without_it(client, clock):
    world = service_world()
    created = _subscription(world)
    rotated = subscriptions.rotate_secret(actor=principal(world.people["clerk"]), webhook_id=created["webhook_id"])
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    listed = client.get(HOOKS, headers=world.clerk_headers).get_json()
    assert "secret" not in listed[0]
    [event] = _audit("webhook.secret_rotated")
    assert rotated["secret"] not in str(event.details) and created["secret"] not in str(event.details)
    assert event.actor_kind == "user"
    assert [e.action for e in _audit("webhook.created")] == ["webhook.created"]
    assert audit.verify().ok


def test_only_the_owning_courts_clerks_and_system_manage_a_subscription(app, clock):
    world, other = service_world(), service_world()
    created = _subscription(world)
    outsiders = [
        machine(other.court),
        principal(other.people["clerk"]),
        principal(staff(world.court, role="judge")),  # staff, but does not serve documents
        principal(world.respondent_user),
    ]
    calls = (
        (subscriptions.update_subscription, {"active": False}),
        (subscriptions.rotate_secret, {}),
        (subscriptions.delete_subscription, {}),
    )
    for actor in outsiders:
        for call, extra in calls:
            with pytest.raises(NotFound) as refused:
                call(actor=actor, webhook_id=created["webhook_id"], **extra)
            assert refused.value.reason == "webhook.not_found"
    db.session.expire_all()
    assert db.session.get(WebhookSubscription, created["webhook_id"]).status == "active"
    assert _audit("webhook.updated") == _audit("webhook.deleted") == _audit("webhook.secret_rotated") == []
    with pytest.raises(NotFound):
        subscriptions.rotate_secret(actor=machine(world.court), webhook_id=uuid.uuid4())


def test_http_wiring_of_change_delete_and_rotate(client, clock):
    world = service_world()
    created = client.post(HOOKS, json={"url": DEAD_URL, "events": ["*"]}, headers=world.clerk_headers).get_json()
    url = f"{HOOKS}/{created['webhook_id']}"
    empty = client.patch(url, json={}, headers=world.machine_headers)
    assert empty.status_code == 422 and "_schema" in empty.get_json()["errors"]
    smuggled = client.patch(url, json={"status": "active", "secret": "whsec_mine"}, headers=world.machine_headers)
    assert smuggled.status_code == 422 and set(smuggled.get_json()["errors"]) == {"status", "secret"}
    bad = client.patch(url, json={"url": "https://evil.example.com/x"}, headers=world.machine_headers)
    assert bad.status_code == 422 and "url" in bad.get_json()["errors"]
    changed = client.patch(url, json={"events": ["document.opened"], "active": False}, headers=world.machine_headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["events"] == ["document.opened"] and changed.get_json()["status"] == "paused"
    rotated = client.post(f"{url}/rotate-secret", headers=world.machine_headers)
    assert rotated.status_code == 200 and rotated.get_json()["secret"].startswith("whsec_")
    foreign = client.delete(url, headers=service_world().machine_headers)
    unknown = client.delete(f"{HOOKS}/{uuid.uuid4()}", headers=world.machine_headers)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_json()["reason"] == unknown.get_json()["reason"] == "webhook.not_found"
    deleted = client.delete(url, headers=world.clerk_headers)
    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert client.get(HOOKS, headers=world.clerk_headers).get_json() == []
    assert client.delete(url, headers=world.clerk_headers).status_code == 404
