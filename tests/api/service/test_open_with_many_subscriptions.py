"""Open and acknowledge read the document, its events, case, court and the court's webhook subscriptions in one
locking statement (app/documents/recipient.py): a court with several subscriptions repeats each event's row in it,
and the answer still lists every event once, in chain order, and every subscription gets the act's webhook row."""

from __future__ import annotations

from sqlalchemy import func, select

from app.documents.chain import verify_document
from app.extensions import db
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.service.support import document, events, push, service_world

MP = "/api/mp/v1"


def _subscribe(world, count: int) -> None:
    for number in range(count):
        db.session.add(
            WebhookSubscription(
                court_id=world.court.id,
                url=f"https://court.example/hooks/{number}",
                events=["*"],
                secret_enc="unused here",
                created_by="test",
            )
        )
    db.session.commit()


def _listed(answer) -> list[tuple[int, str]]:
    return [(event["seq"], event["type"]) for event in answer.get_json()["events"]]


def test_open_and_acknowledge_list_each_event_once_with_three_subscriptions(client):
    world = service_world()
    _subscribe(world, 3)
    document_id = push(client, world).get_json()["document_id"]

    opened = client.get(f"{MP}/documents/{document_id}", headers=world.respondent_headers)
    assert opened.status_code == 200, opened.get_json()
    db.session.expire_all()
    stored = [(event.seq, event.type) for event in events(document_id)]
    assert _listed(opened) == stored and [seq for seq, _type in stored] == list(range(1, len(stored) + 1))
    assert opened.get_json()["court"]["id"] == str(world.court.id)
    assert opened.get_json()["case_number"] == world.case.case_number

    acknowledged = client.post(f"{MP}/documents/{document_id}/acknowledge", headers=world.respondent_headers)
    assert acknowledged.status_code == 200, acknowledged.get_json()
    db.session.expire_all()
    stored = [(event.seq, event.type) for event in events(document_id)]
    assert _listed(acknowledged) == stored and stored[-1][1] == "acknowledged"
    assert verify_document(document(document_id)) is None  # the chain holds

    rows = db.session.scalar(
        select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.event_type == "document.acknowledged")
    )
    assert rows == 3  # one per active subscription, each named once


def test_open_without_subscriptions_lists_the_events(client):
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    opened = client.get(f"{MP}/documents/{document_id}", headers=world.respondent_headers)
    assert opened.status_code == 200
    db.session.expire_all()
    assert _listed(opened) == [(event.seq, event.type) for event in events(document_id)]
