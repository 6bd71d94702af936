"""Journey (issue 14, items 2 and 8): a court delegates, the organisation mediates, the agreement is confirmed by that
court. Over HTTP end to end; on PostgreSQL too with TEST_DATABASE_URL."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.extensions import db
from app.mediation.models import JudicialConfirmation
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.mediation.helpers_outcome import COURT, MP, events, link, mediator, respondent_party, status_of
from tests.support.cases import filing
from tests.support.factories import grant, login, machine_headers, make_court, make_org, make_user

DEAD_URL = "http://127.0.0.1:9/hooks/microcourt"


def _people(court, org):
    clerk, admin = make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(admin, role="org_admin", org=org)
    return clerk, admin


def test_a_court_delegates_the_organisation_mediates_and_that_court_confirms(client, clock):
    clock.set(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))  # a Monday the calendar covers
    court, org = make_court(code="浙0206"), make_org()
    link(org, court)
    clerk, admin = _people(court, org)
    med, profile = mediator(org)
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    machine = machine_headers(court)
    hook = client.post(f"{COURT}/webhooks", json={"url": DEAD_URL, "events": ["delegation.*"]}, headers=machine)
    assert hook.status_code == 422  # no wildcards but "*": the four steps are named one by one
    steps = ["delegation.sent", "delegation.accepted", "delegation.declined", "delegation.returned"]
    hook = client.post(f"{COURT}/webhooks", json={"url": DEAD_URL, "events": steps}, headers=machine)
    assert hook.status_code == 201, hook.get_json()

    # A citizen brings the dispute to the court, naming no organisation; the other side joins.
    filed = client.post(f"{MP}/cases", json=filing(court=court), headers=login(filer) | {"Idempotency-Key": "f-1"})
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["id"]
    party = respondent_party(db.session.get(Case, uuid.UUID(case_id)))
    party.user_id, party.joined_at = respondent.id, clock()
    db.session.commit()

    # A clerk cannot pick a mediator (that is the organisation's), so the court delegates (委派调解).
    chosen = client.post(f"{MP}/cases/{case_id}/mediator", json={"mediator_id": str(profile.id)}, headers=login(clerk))
    assert (chosen.status_code, chosen.get_json()["reason"]) == (403, "mediation.not_assigner")
    body = {"case_id": case_id, "org_id": str(org.id), "due_date": "2026-12-02", "note": "诉前委派调解"}
    sent = client.post(f"{COURT}/delegations", json=body, headers=login(clerk) | {"Idempotency-Key": "d-1"})
    assert sent.status_code == 201, sent.get_json()
    delegation = sent.get_json()
    assert (delegation["state"], delegation["stage"], delegation["org_name"]) == ("sent", "pre_filing", org.name)
    replay = client.post(f"{COURT}/delegations", json=body, headers=login(clerk) | {"Idempotency-Key": "d-1"})
    assert replay.status_code == 201 and replay.get_json()["id"] == delegation["id"]
    d_id = delegation["id"]

    # The organisation's admin sees it, accepts it and offers it to a mediator at once.
    incoming = client.get(f"{MP}/mediation/delegations", query_string={"state": "sent"}, headers=login(admin))
    assert [item["id"] for item in incoming.get_json()["items"]] == [d_id]
    accepted = client.post(
        f"{MP}/mediation/delegations/{d_id}/accept", json={"mediator_id": str(profile.id)}, headers=login(admin)
    )
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["state"] == "accepted" and accepted.get_json()["assignment"]["status"] == "pending"
    assert accepted.get_json()["mediation_case_id"] == case_id  # a dispute is mediated as it is

    # The mediation runs as today.
    assert client.post(f"{MP}/cases/{case_id}/mediator/accept", headers=login(med)).status_code == 200
    terms = "被申请人于2026年12月31日前归还借款12000元。"
    outcome = client.post(
        f"{MP}/cases/{case_id}/outcome", json={"result": "settled", "terms": terms}, headers=login(med)
    )
    assert outcome.status_code == 200, outcome.get_json()

    # The outcome returns to the court, which follows it in its list.
    listed = client.get(f"{COURT}/delegations", headers=login(clerk)).get_json()["items"]
    assert [(i["id"], i["state"], i["outcome"], i["mediation_status"]) for i in listed] == [
        (d_id, "returned", "settled", "settled")
    ]
    for user in (filer, respondent):
        signed = client.post(f"{MP}/cases/{case_id}/agreement/sign", json={}, headers=login(user))
        assert signed.status_code == 200, signed.get_json()

    # The parties apply for judicial confirmation; it reaches the delegating court, which confirms.
    applied = client.post(f"{MP}/cases/{case_id}/judicial-confirmation", headers=login(filer))
    assert applied.status_code == 201, applied.get_json()
    consent = client.post(f"{MP}/cases/{case_id}/judicial-confirmation/consent", headers=login(respondent))
    assert consent.status_code == 200, consent.get_json()
    queue = client.get(f"{COURT}/judicial-confirmations", headers=machine).get_json()["items"]
    assert [(i["case_id"], i["court_id"]) for i in queue] == [(case_id, str(court.id))]
    assert client.post(f"{COURT}/cases/{case_id}/judicial-confirmation/accept", headers=login(clerk)).status_code == 200
    decided = client.post(
        f"{COURT}/cases/{case_id}/judicial-confirmation/decide",
        json={"confirmed": True, "reason": "协议合法有效，予以确认。"},
        headers=login(clerk),
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["case_number"].startswith("(2026)浙0206调确")
    assert status_of(uuid.UUID(case_id)) == "confirmed"
    assert db.session.scalar(select(JudicialConfirmation.court_id)) == court.id

    # Every step is on the timeline, in the audit log, and announced to the court's system.
    types = [e.type for e in events(uuid.UUID(case_id))]
    assert [t for t in types if t.startswith("delegation.")] == [
        "delegation.sent",
        "delegation.accepted",
        "delegation.returned",
    ]
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("delegation.%")))
    assert sorted(audited) == ["delegation.accepted", "delegation.returned", "delegation.sent"]
    announced = db.session.scalars(select(WebhookDelivery.event_type))  # the clock is frozen: compare as a set
    assert sorted(announced) == ["delegation.accepted", "delegation.returned", "delegation.sent"]
    returned = db.session.scalar(
        select(WebhookDelivery.body).where(WebhookDelivery.event_type == "delegation.returned")
    )
    data = json.loads(returned)["data"]
    assert (data["id"], data["state"], data["outcome"], data["court_id"]) == (
        d_id,
        "returned",
        "settled",
        str(court.id),
    )
