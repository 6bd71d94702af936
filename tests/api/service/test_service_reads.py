"""What the electronic-service calls read with statements they make anyway (issue 18), and that nothing changes.

A push reads the court's active webhook subscriptions with the court; a recipient's open or acknowledgement reads
them, and the holiday calendar's version, with the document's case, and the document's events with its lock.
These tests pin that the webhook rows, the answer and the stored event data are what separate reads gave.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import io
import json
import uuid

import pytest
from sqlalchemy import select

from app.documents import chain, outbox
from app.documents.models import DeliveryEvent, ServedDocument
from app.extensions import db
from app.jobs import AppContextTask
from app.legal import calendar
from app.webhooks import WebhookDelivery, WebhookSubscription, deliveries
from tests.api.service.support import PUSH, meta, pdf_bytes, push, service_world
from tests.integration.test_statement_budgets import counting
from tests.support.factories import make_court

MP = "/api/mp/v1"


class Kind(enum.StrEnum):
    A = "a"


class Number(enum.IntEnum):
    THREE = 3


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"a": 1, "b": [1, 2, (3, 4)], "c": {"d": None, "e": True, "f": 1.5, "g": float("inf"), "h": -0.0}},
        {"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "id": uuid.uuid4(), "amount": decimal.Decimal("1.10")},
        {1: "one", "1": "uno", None: 0},
        {True: 1, 2.5: "x"},
        {"kind": Kind.A, "n": Number.THREE, "nested": [Kind.A, {2: 3}], "words": "中文", "big": 10**30},
    ],
)
def test_event_data_is_stored_as_the_json_round_trip_gives_it_back(data):
    stored = chain.as_stored(data)
    expected = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    assert stored == expected and repr(stored) == repr(expected)
    assert json.dumps(stored, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


def test_stored_event_data_is_a_copy():
    data = {"list": [1, {"x": 2}], "dict": {"y": [3]}}
    stored = chain.as_stored(data)
    data["list"][1]["x"], data["dict"]["y"][0] = 20, 30  # type: ignore[index]
    assert stored == {"list": [1, {"x": 2}], "dict": {"y": [3]}}


def _subscribe(court_id: uuid.UUID, *, status: str = "active", events: list[str] | None = None) -> uuid.UUID:
    row = WebhookSubscription(
        court_id=court_id,
        url="https://court.example.test/hooks",
        events=events or ["*"],
        secret_enc="not used: nothing is sent here",
        status=status,
        created_by="test",
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def _rows(subscription_id: uuid.UUID, document_id: str) -> list[str]:
    """The event types of the webhook rows of this subscription for this document's events."""
    event_ids = select(DeliveryEvent.id).where(DeliveryEvent.document_id == uuid.UUID(document_id))
    query = select(WebhookDelivery.event_type).where(
        WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.event_id.in_(event_ids)
    )
    return sorted(db.session.scalars(query))


@pytest.fixture
def hooked(client, monkeypatch):
    """A served-on world whose court has two active subscriptions, a disabled one, and another court's one."""
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    everything = _subscribe(world.court.id)
    acknowledged = _subscribe(world.court.id, events=["document.acknowledged"])
    disabled = _subscribe(world.court.id, status="disabled")
    elsewhere = _subscribe(make_court().id)
    return world, everything, acknowledged, disabled, elsewhere


def test_a_push_reads_the_courts_subscriptions_with_the_court_and_writes_the_same_rows(client, hooked):
    world, everything, acknowledged, disabled, elsewhere = hooked
    db.session.add_all([world.case, world.respondent])
    push(client, world)  # warm
    db.session.refresh(world.case)
    db.session.refresh(world.respondent)
    with counting() as count:
        answer = push(client, world)
    assert answer.status_code == 201, answer.get_json()
    reads = [s for s in count.statements if "webhook_subscriptions" in s]
    assert len(reads) == 1 and "FROM courts" in reads[0], count
    document_id = answer.get_json()["document_id"]
    assert _rows(everything, document_id) == ["document.accepted", "document.delivered", "document.submitted"]
    assert _rows(acknowledged, document_id) == _rows(disabled, document_id) == _rows(elsewhere, document_id) == []


def test_a_push_with_an_empty_session_reads_case_party_court_and_subscriptions_in_one_statement(client, hooked):
    """As in production, where a request starts with an empty session (the budget test keeps the test's rows)."""
    world, everything, acknowledged, disabled, elsewhere = hooked
    db.session.add_all([world.case, world.respondent])
    push(client, world)  # warm
    body = meta(world, title="第二份")
    data = {"meta": json.dumps(body, ensure_ascii=False), "file": (io.BytesIO(pdf_bytes("empty")), "a.pdf")}
    headers = world.machine_headers | {"Idempotency-Key": "empty-session"}
    db.session.close()
    with counting() as count:
        answer = client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    reads = [s for s in count.statements if s.startswith("SELECT")]
    assert not [s for s in reads if "FROM courts" in s or "FROM case_parties WHERE" in s], count
    together = [s for s in reads if "FROM cases LEFT OUTER JOIN case_parties" in s]
    assert len(together) == 1 and "webhook_subscriptions" in together[0], count
    assert len([s for s in count.statements if "webhook_subscriptions" in s]) == 1, count
    document_id = answer.get_json()["document_id"]
    assert _rows(everything, document_id) == ["document.accepted", "document.delivered", "document.submitted"]
    assert _rows(acknowledged, document_id) == _rows(disabled, document_id) == _rows(elsewhere, document_id) == []


def test_open_and_acknowledge_read_subscriptions_calendar_and_events_with_rows_they_read_anyway(client, hooked):
    world, everything, acknowledged, disabled, elsewhere = hooked
    db.session.add_all([world.case, world.respondent])
    document_id = push(client, world).get_json()["document_id"]
    answers = {}
    for name, method in (("open", "GET"), ("acknowledge", "POST")):
        url = f"{MP}/documents/{document_id}" + ("/acknowledge" if name == "acknowledge" else "")
        db.session.close()
        with counting() as count:
            answer = client.open(url, method=method, headers=world.respondent_headers)
        assert answer.status_code == 200, answer.get_json()
        answers[name] = answer.get_json()
        assert not [s for s in count.statements if s.startswith("SELECT") and "FROM webhook_subscriptions" in s]
        assert not [s for s in count.statements if s.startswith("SELECT delivery_events")], count
        assert not [s for s in count.statements if s.startswith("SELECT (SELECT calendar_version")], count
    events = chain.events_of(uuid.UUID(document_id))
    listed = [{"seq": e.seq, "type": e.type} for e in events]
    assert [{"seq": e["seq"], "type": e["type"]} for e in answers["acknowledge"]["events"]] == listed
    assert [e["type"] for e in answers["open"]["events"]] == [e["type"] for e in listed[:-1]]
    assert answers["acknowledge"]["deadline"] is not None and answers["acknowledge"]["deadline"]["pending"] is False
    assert _rows(everything, document_id) == sorted(f"document.{e.type}" for e in events)
    assert _rows(acknowledged, document_id) == ["document.acknowledged"]  # once, though the case read has 2 rows
    assert _rows(disabled, document_id) == _rows(elsewhere, document_id) == []


def test_the_answer_reads_the_chain_again_when_the_events_in_hand_are_not_all_of_it(client, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    document_id = uuid.UUID(push(client, world).get_json()["document_id"])
    document = db.session.get_one(ServedDocument, document_id)
    events = chain.events_of(document_id)
    assert chain.whole_chain(document, events) is events  # all of it: used as it is
    for partial in (events[:-1], events[1:], [*events, events[-1]], []):
        assert chain.whole_chain(document, partial) == events  # read again


def test_the_hot_calls_build_no_statement_of_webhooks_calendar_or_the_outbox(client, monkeypatch):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    built: list[str] = []
    for module in (deliveries, calendar, outbox):
        original = module.select

        def counted(*args, _original=original, _name=module.__name__, **kwargs):
            built.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, "select", counted)
    world = service_world()
    _subscribe(world.court.id)

    def calls() -> None:
        db.session.add_all([world.case, world.respondent])
        document_id = push(client, world).get_json()["document_id"]
        headers = world.respondent_headers
        assert client.get(f"{MP}/documents/{document_id}", headers=headers).status_code == 200
        assert client.post(f"{MP}/documents/{document_id}/acknowledge", headers=headers).status_code == 200

    calls()  # warm
    built.clear()
    calls()
    assert built == []


@pytest.mark.timeout(180)
def test_concurrent_opens_each_answer_the_whole_chain_up_to_their_own_event(app, clock):
    """On PostgreSQL an open that waited for the lock read the events of before the wait with it: it reads them
    again (`whole_chain`), so every answer lists seq 1 to its own event, as when they were read after the lock."""
    from tests.api.service.test_recipient_races import THREADS, calls_for, race
    from tests.support.live_server import live_server

    world = service_world()
    client = app.test_client()
    with live_server(app=app) as server:
        document_id = push(client, world).get_json()["document_id"]
        before = len(chain.events_of(uuid.UUID(document_id)))
        results = race(server.url, calls_for(document_id, [world.respondent_headers], ["open"] * THREADS))
    assert sorted(status for _kind, status, _body in results) == [200] * THREADS, results
    ends = []
    for _kind, _status, body in results:
        seqs = [event["seq"] for event in body["events"]]
        assert seqs == list(range(1, len(seqs) + 1)) and body["events"][-1]["type"] == "opened", body["events"]
        ends.append(len(seqs))
    assert sorted(ends) == list(range(before + 1, before + THREADS + 1))
