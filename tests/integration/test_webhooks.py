"""Webhooks against a real receiver on 127.0.0.1 that fails half the time: every event arrives, none is lost.

The receiver checks every signature and the clock skew like a court system would. Of every four requests it
refuses one before processing (500), processes two and answers 200, and processes one but answers 500 (its
answer "lost"): so the platform must retry, and the receiver must see duplicates it can drop by event id.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid

import pytest
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from app.documents.models import DeliveryEvent
from app.extensions import db
from app.integrations import webhooks as http
from app.utils import clock as clock_module
from app.webhooks import deliveries as webhooks
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.tasks import sweep_webhooks
from tests.api.service.support import push, relogin, service_world
from tests.support.live_server import live_server


class Receiver:
    """A court system's webhook endpoint with a programmable answer."""

    def __init__(self, mode: str = "flaky") -> None:
        self.mode = mode
        self.secret = ""
        self.counter = itertools.count()
        self.lock = threading.Lock()
        self.processed: list[str] = []  # event ids, in arrival order, duplicates included
        self.bad_signatures = 0
        self.attempt_headers: list[str] = []

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        request = Request(environ)
        body = request.get_data(as_text=True)
        signature = request.headers.get(http.SIGNATURE_HEADER, "")
        now = clock_module.now().timestamp()
        if not http.verify(self.secret, signature, body, now=now):
            with self.lock:
                self.bad_signatures += 1
            return Response("bad signature", status=400)(environ, start_response)
        event_id = json.loads(body)["id"]
        assert event_id == request.headers[http.EVENT_ID_HEADER]
        with self.lock:
            turn = next(self.counter)
            self.attempt_headers.append(request.headers[http.ATTEMPT_HEADER])
        if self.mode == "gone":
            return Response("gone", status=410)(environ, start_response)
        if self.mode == "down" or turn % 4 == 0:
            return Response("busy", status=500)(environ, start_response)
        with self.lock:
            self.processed.append(event_id)
        status = 500 if turn % 4 == 2 else 200  # processed, but the answer is "lost"
        return Response("ok", status=status)(environ, start_response)


@pytest.fixture
def receiver(app):
    hook = Receiver()
    with live_server(hook) as server:
        hook.url = f"{server.url}/hooks/microcourt"
        yield hook


def _subscribe(client, world, receiver, events=("*",)) -> dict:
    response = client.post(
        "/api/court/v1/webhooks", json={"url": receiver.url, "events": list(events)}, headers=world.machine_headers
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["secret"].startswith("whsec_") and body["status"] == "active"
    receiver.secret = body["secret"]
    return body


def _drain(clock, rounds: int = 60) -> None:
    """Move time past every backoff and run the sweep until nothing is pending."""
    for _ in range(rounds):
        pending = db.session.scalars(
            select(WebhookDelivery.next_attempt_at).where(WebhookDelivery.status == "pending")
        ).all()
        if not pending:
            return
        clock.set(max(max(pending), clock()))
        clock.advance(seconds=1)
        sweep_webhooks()
        db.session.expire_all()
    raise AssertionError("deliveries still pending")


def test_every_event_arrives_despite_a_receiver_that_fails_half_the_time(app, client, clock, receiver):
    app.config.update(WEBHOOK_RETRY_BASE_SECONDS=2, WEBHOOK_RETRY_MAX_SECONDS=60)
    world = service_world()
    _subscribe(client, world, receiver)
    ids = [push(client, world, title=f"通知{n}").get_json()["document_id"] for n in range(5)]
    for document_id in ids[:3]:
        client.get(f"/api/mp/v1/documents/{document_id}", headers=world.respondent_headers)
    _drain(clock)
    events = {str(event.id) for event in db.session.scalars(select(DeliveryEvent))}
    assert len(events) == 5 * 4 + 3  # submitted, accepted, delivered, notified per document; 3 opened
    assert set(receiver.processed) == events  # every event arrived: none lost
    assert len(receiver.processed) > len(events)  # some arrived twice (their answer was lost) ...
    assert len(set(receiver.processed)) == len(events)  # ... and the event id tells the duplicates apart
    assert receiver.bad_signatures == 0
    rows = db.session.scalars(select(WebhookDelivery)).all()
    assert {row.status for row in rows} == {"delivered"} and len(rows) == len(events)
    assert max(row.attempts for row in rows) >= 2 and "2" in receiver.attempt_headers


def test_backoff_grows_exponentially_with_jitter_and_gives_up_after_the_window(app, client, clock, receiver):
    app.config.update(WEBHOOK_RETRY_BASE_SECONDS=30, WEBHOOK_RETRY_MAX_SECONDS=3600, WEBHOOK_RETRY_WINDOW_HOURS=72)
    receiver.mode = "down"
    world = service_world()
    _subscribe(client, world, receiver, events=["document.delivered"])
    push(client, world)
    row = db.session.scalar(select(WebhookDelivery))
    delays = []
    while True:
        db.session.refresh(row)
        if row.status != "pending":
            break
        delays.append((row.next_attempt_at - clock()).total_seconds())
        clock.set(row.next_attempt_at)
        webhooks.send(row.id)
    assert row.status == "failed" and row.last_status == 500
    for attempt, delay in enumerate(delays[:7], start=1):
        nominal = min(30 * 2 ** (attempt - 1), 3600)
        assert nominal * 0.5 <= delay <= nominal, (attempt, delay)
    assert all(1800 <= delay <= 3600 for delay in delays[7:])  # capped
    assert (clock() - row.created_at).total_seconds() >= 72 * 3600
    assert len(receiver.attempt_headers) == row.attempts


def test_410_disables_the_subscription_and_stops_deliveries(app, client, clock, receiver):
    receiver.mode = "gone"
    world = service_world()
    subscription = _subscribe(client, world, receiver)
    push(client, world)
    db.session.expire_all()
    row = db.session.scalar(select(WebhookSubscription).where(WebhookSubscription.url == subscription["url"]))
    assert row.status == "disabled" and "410" in row.disabled_reason
    statuses = {d.status for d in db.session.scalars(select(WebhookDelivery))}
    assert statuses == {"cancelled"}
    calls = len(receiver.attempt_headers)
    assert calls == 1  # the first 410 stopped the others of the same push
    relogin(world)
    push(client, world)
    assert (
        len(receiver.attempt_headers) == calls
        and db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.status == "pending")) is None
    )
    listed = client.get("/api/court/v1/webhooks", headers=world.machine_headers).get_json()
    assert listed[0]["status"] == "disabled" and "secret" not in listed[0]


def test_only_subscribed_events_are_sent_and_other_courts_see_nothing(app, client, clock, receiver):
    world, other = service_world(), service_world()
    _subscribe(client, world, receiver, events=["document.acknowledged"])
    document_id = push(client, world).get_json()["document_id"]
    push(client, other)
    assert receiver.processed == [] and receiver.attempt_headers == []
    client.post(f"/api/mp/v1/documents/{document_id}/acknowledge", headers=world.respondent_headers)
    _drain(clock)
    body_types = {row.event_type for row in db.session.scalars(select(WebhookDelivery))}
    assert body_types == {"document.acknowledged"}


@pytest.mark.parametrize(
    ("url", "http_allowed", "message"),
    [
        ("https://evil.example.com/hook", True, "WEBHOOK_ALLOWED_HOSTS"),
        ("http://127.0.0.1:9/hook", False, "https"),
        ("https://user:pw@127.0.0.1/hook", True, "credentials"),
        ("ftp://127.0.0.1/hook", True, "https"),
        ("https://127.0.0.1:99999/hook", True, "valid"),
    ],
)
def test_urls_are_restricted(app, client, clock, url, http_allowed, message):
    app.config["WEBHOOK_ALLOW_HTTP"] = http_allowed
    world = service_world()
    headers = {**world.clerk_headers, "Accept-Language": "en"}  # the messages checked are the English ones
    response = client.post("/api/court/v1/webhooks", json={"url": url, "events": ["*"]}, headers=headers)
    assert response.status_code == 422 and message in json.dumps(response.get_json()["errors"])


def test_unknown_events_are_refused(client, clock):
    world = service_world()
    response = client.post(
        "/api/court/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "events": ["document.exploded"]},
        headers=world.machine_headers,
    )
    assert response.status_code == 422 and "events" in response.get_json()["errors"]


def test_receivers_reject_forged_or_stale_signatures():
    body = '{"id":"e1"}'
    header = http.signature_header("whsec_s", 1_800_000_000, body)
    assert http.verify("whsec_s", header, body, now=1_800_000_100)
    assert not http.verify("whsec_s", header, body + " ", now=1_800_000_100)
    assert not http.verify("whsec_other", header, body, now=1_800_000_100)
    assert not http.verify("whsec_s", header, body, now=1_800_000_301)
    assert not http.verify("whsec_s", "t=abc,v1=00", body, now=1_800_000_000)


def test_a_rotated_secret_signs_every_delivery_from_then_on_retries_included(app, client, clock, receiver):
    app.config.update(WEBHOOK_RETRY_BASE_SECONDS=2, WEBHOOK_RETRY_MAX_SECONDS=60)
    world = service_world()
    subscription = _subscribe(client, world, receiver)
    receiver.mode = "down"
    push(client, world)  # four events, all still pending
    rotated = client.post(
        f"/api/court/v1/webhooks/{subscription['webhook_id']}/rotate-secret", headers=world.clerk_headers
    )
    assert rotated.status_code == 200 and rotated.get_json()["secret"] != subscription["secret"]
    receiver.mode = "flaky"  # still checking the old secret: every delivery is refused as forged
    clock.advance(seconds=120)
    sweep_webhooks()
    assert receiver.bad_signatures == 4 and receiver.processed == []
    receiver.secret = rotated.get_json()["secret"]
    relogin(world)
    push(client, world)
    _drain(clock)
    events = {str(event.id) for event in db.session.scalars(select(DeliveryEvent))}
    assert set(receiver.processed) == events and len(events) == 8  # the retries of older events too
    assert receiver.bad_signatures == 4


def test_deleting_keeps_the_delivered_history_and_sends_nothing_pending(app, client, clock, receiver):
    world = service_world()
    subscription = _subscribe(client, world, receiver)
    push(client, world)  # the flaky receiver: two delivered, two pending
    statuses = sorted(row.status for row in db.session.scalars(select(WebhookDelivery)))
    assert statuses == ["delivered", "delivered", "pending", "pending"]
    calls = len(receiver.attempt_headers)
    deleted = client.delete(f"/api/court/v1/webhooks/{subscription['webhook_id']}", headers=world.machine_headers)
    assert deleted.status_code == 204
    clock.advance(hours=1)
    relogin(world)
    push(client, world)
    sweep_webhooks()
    db.session.expire_all()
    assert len(receiver.attempt_headers) == calls
    rows = db.session.scalars(select(WebhookDelivery)).all()
    assert sorted(row.status for row in rows) == ["cancelled", "cancelled", "delivered", "delivered"]
    assert all(row.delivered_at for row in rows if row.status == "delivered")


def test_a_subscription_disabled_by_a_410_can_be_reactivated_and_says_so(app, client, clock, receiver):
    receiver.mode = "gone"
    world = service_world()
    subscription = _subscribe(client, world, receiver, events=["document.delivered"])
    push(client, world)
    url = f"/api/court/v1/webhooks/{subscription['webhook_id']}"
    listed = client.get("/api/court/v1/webhooks", headers=world.machine_headers).get_json()
    assert listed[0]["status"] == "disabled"
    receiver.mode = "flaky"
    answer = client.patch(url, json={"active": True}, headers=world.machine_headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "active" and body["disabled_reason"] is None and "410" in body["notice"]
    again = client.patch(url, json={"active": True}, headers=world.machine_headers).get_json()
    assert again["notice"] is None  # already active: nothing to say
    document_id = push(client, world).get_json()["document_id"]
    _drain(clock)
    delivered = db.session.scalar(
        select(DeliveryEvent).where(
            DeliveryEvent.document_id == uuid.UUID(document_id), DeliveryEvent.type == "delivered"
        )
    )
    assert receiver.processed == [str(delivered.id)]  # the cancelled one is not re-sent


def test_a_signature_header_with_non_ascii_text_is_refused_not_an_error():
    assert not http.verify("whsec_s", "t=1800000000,v1=签名", '{"id": "x"}', now=1_800_000_000)
