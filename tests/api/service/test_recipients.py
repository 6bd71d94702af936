"""Recipients: the inbox, reading, downloading and acknowledging; only the recipient and their active lawyer."""

from __future__ import annotations

import urllib.parse

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import CaseAgent, TimelineEvent
from app.extensions import db
from tests.api.service.support import add_lawyer, document, events, pdf_bytes, push, relogin, service_world, types
from tests.support.factories import grant, login, make_user


def test_inbox_lists_delivered_documents_newest_first_with_a_cursor(client, clock):
    world = service_world()
    ids = []
    for number in range(5):
        clock.advance(minutes=1)
        ids.append(push(client, world, title=f"通知{number}").get_json()["document_id"])
    first = client.get("/api/mp/v1/documents?limit=2", headers=world.respondent_headers).get_json()
    second = client.get(f"/api/mp/v1/documents?limit=2&cursor={first['next_cursor']}", headers=world.respondent_headers)
    third = client.get(
        f"/api/mp/v1/documents?limit=2&cursor={second.get_json()['next_cursor']}", headers=world.respondent_headers
    ).get_json()
    listed = [item["id"] for item in first["items"] + second.get_json()["items"] + third["items"]]
    assert listed == list(reversed(ids)) and third["next_cursor"] is None
    assert first["items"][0]["title"] == "通知4" and first["items"][0]["status"] == "delivered"
    assert all(types(doc) == ["submitted", "accepted", "delivered", "notified"] for doc in ids)  # listing opens nothing


def test_the_recipients_lawyer_sees_and_acts_but_not_after_the_agency_ends(client, clock):
    world = service_world()
    lawyer, lawyer_headers = add_lawyer(world)
    document_id = push(client, world).get_json()["document_id"]
    assert [item["id"] for item in client.get("/api/mp/v1/documents", headers=lawyer_headers).get_json()["items"]] == [
        document_id
    ]
    opened = client.get(f"/api/mp/v1/documents/{document_id}", headers=lawyer_headers)
    assert opened.status_code == 200 and opened.get_json()["my_relation"] == "agent"
    assert types(document_id)[-1] == "opened" and [e for e in types(document_id) if e == "notified"] == ["notified"] * 2
    db.session.scalar(select(CaseAgent).where(CaseAgent.lawyer_user_id == lawyer.id)).status = "revoked"
    db.session.commit()
    before = types(document_id)
    assert client.get(f"/api/mp/v1/documents/{document_id}", headers=lawyer_headers).status_code == 404
    assert client.get("/api/mp/v1/documents", headers=lawyer_headers).get_json()["items"] == []
    assert types(document_id) == before


@pytest.mark.parametrize("who", ["applicant", "stranger", "clerk", "other_lawyer"])
@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("GET", "/download"), ("POST", "/acknowledge")])
def test_anyone_else_gets_404_and_no_event_is_written(client, clock, who, method, suffix):
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    if who == "applicant":
        headers = login(world.people["filer"])  # the other party of the same case
    elif who == "clerk":
        headers = world.clerk_headers  # court staff use the court routes
    elif who == "other_lawyer":
        other = make_user()
        grant(other, role="lawyer")
        headers = login(other)
    else:
        headers = login(make_user())
    before = types(document_id)
    response = client.open(f"/api/mp/v1/documents/{document_id}{suffix}", method=method, headers=headers)
    assert response.status_code == 404 and response.get_json()["reason"] == "document.not_found"
    assert types(document_id) == before


def test_an_address_not_confirmed_by_the_recipient_serves_only_at_first_access(client, clock):
    world = service_world(self_confirmed=False)  # a clerk recorded the consent and address
    pushed = push(client, world, doc_type="ruling", title="民事裁定书").get_json()
    assert pushed["status"] == "delivered" and pushed["served_at"] is None and pushed["deadline"]["pending"] is True
    clock.advance(days=2, hours=3)
    relogin(world)
    opened = client.get(f"/api/mp/v1/documents/{pushed['document_id']}", headers=world.respondent_headers).get_json()
    assert opened["served_at"] == clock().isoformat() and opened["served_basis"] == "opened"
    assert opened["deadline"]["period"]["days"] == 10 and opened["deadline"]["trigger"]["at"].startswith(
        "2026-11-04T13:00"
    )
    clock.advance(minutes=10)
    acknowledged = client.post(
        f"/api/mp/v1/documents/{pushed['document_id']}/acknowledge", headers=world.respondent_headers
    )
    assert acknowledged.get_json()["served_at"] == opened["served_at"]  # service happened once, at the first access


def test_download_gives_a_short_lived_link_to_the_exact_bytes(client, clock):
    world = service_world()
    content = pdf_bytes("下载的文书")
    document_id = push(client, world, content=content, title="判决书/第1号").get_json()["document_id"]
    answer = client.get(f"/api/mp/v1/documents/{document_id}/download", headers=world.respondent_headers).get_json()
    assert answer["expires_in"] <= 300 and answer["size"] == len(content)
    url = urllib.parse.urlsplit(answer["download_url"])
    fetched = client.get(f"{url.path}?{url.query}")
    assert fetched.status_code == 200 and fetched.data == content
    assert (
        "filename*=UTF-8''" in fetched.headers["Content-Disposition"]
        and "/" not in fetched.headers["Content-Disposition"].split("''")[1]
    )
    assert types(document_id)[-1] == "downloaded" and document(document_id).first_opened_at == clock()
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == document_id)).all()
    assert [(a.action, a.actor_id, a.details) for a in audited] == [
        ("document.download", str(world.respondent_user.id), {"as": "recipient"})
    ]


def test_forged_client_times_are_ignored(client, clock):
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    clock.advance(hours=2)
    relogin(world)
    forged = {"Date": "Tue, 01 Jan 2019 00:00:00 GMT", "X-Client-Time": "2019-01-01T00:00:00+08:00"}
    response = client.post(
        f"/api/mp/v1/documents/{document_id}/acknowledge",
        json={"acknowledged_at": "2019-01-01T00:00:00+08:00", "at": "2019-01-01T00:00:00+08:00"},
        headers={**world.respondent_headers, **forged},
    )
    assert response.status_code == 200
    row = document(document_id)
    assert row.acknowledged_at == clock() and row.served_at < clock()
    assert max(event.at for event in events(document_id)) == clock()


def test_service_at_first_access_and_the_acknowledgement_go_on_the_case_timeline_and_the_audit_log(client, clock):
    world = service_world(self_confirmed=False)  # served only when the recipient first reaches the content
    _lawyer, lawyer_headers = add_lawyer(world)
    document_id = push(client, world, title="民事裁定书").get_json()["document_id"]

    def timeline(since=None) -> list[tuple[str, str]]:
        db.session.expire_all()
        query = select(TimelineEvent).where(
            TimelineEvent.case_id == world.case.id, TimelineEvent.type.like("document.%")
        )
        if since is not None:
            query = query.where(TimelineEvent.at > since)
        return [(row.type, row.actor_role) for row in db.session.scalars(query.order_by(TimelineEvent.at))]

    delivered_at = clock()
    assert ("document.delivered", "system") in timeline() and ("document.served", "system") not in timeline()
    clock.advance(minutes=5)
    assert client.get(f"/api/mp/v1/documents/{document_id}", headers=lawyer_headers).status_code == 200
    clock.advance(minutes=5)
    assert client.post(f"/api/mp/v1/documents/{document_id}/acknowledge", headers=lawyer_headers).status_code == 200
    clock.advance(minutes=5)
    assert client.get(f"/api/mp/v1/documents/{document_id}", headers=world.respondent_headers).status_code == 200

    # served once, at the lawyer's first access; the acknowledgement names who made it
    assert timeline(since=delivered_at) == [("document.served", "system"), ("document.acknowledged", "agent")]
    served = db.session.scalar(select(TimelineEvent).where(TimelineEvent.type == "document.served"))
    facts = {key: value for key, value in served.data.items() if key != "summary_message"}  # the words' message
    assert facts == {"document_id": document_id, "served_at": document(document_id).served_at.isoformat()}
    audited = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == document_id).order_by(AuditEvent.seq)
    ).all()
    assert [(a.action, a.details) for a in audited] == [
        ("document.open", {"as": "agent"}),
        ("document.acknowledge", {"as": "agent"}),
        ("document.open", {"as": "recipient"}),
    ]
