"""E-service consent over HTTP: agents, withdrawal, all my cases, the address, the text agreed to, clerks."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import CaseParty, TimelineEvent
from app.cases.timeline import summary_in
from app.documents import consent_text
from app.documents.consent_models import ServiceClaim, ServiceConsentAct
from app.extensions import db
from app.notifications import Notification
from app.sms import SmsMessage
from tests.api.service.support import add_lawyer, document, push, relogin, service_world
from tests.support.cases import file_case
from tests.support.factories import login, make_user

MP, COURT = "/api/mp/v1", "/api/court/v1"


def _agree(**extra: object) -> dict:
    text = consent_text.current()
    return {"address_kind": "mini_program", "text_version": text["version"], "text_sha256": text["sha256"], **extra}


def _consent(client, world, headers: dict | None = None, **extra: object):
    url = f"{MP}/cases/{world.case.id}/service-consent"
    return client.post(url, json=_agree(**extra), headers=headers or world.respondent_headers)


def _timeline(case_id: object) -> list[str]:
    db.session.expire_all()
    query = select(TimelineEvent.type).where(TimelineEvent.case_id == case_id).order_by(TimelineEvent.at)
    return list(db.session.scalars(query))


def test_a_joined_recipient_without_consent_is_asked_by_notification_and_consenting_delivers(client, clock):
    world = service_world(respondent_consents=False)
    held = push(client, world).get_json()
    assert held["status"] == "held" and held["hold_reason"] == "no_e_service_consent"
    asked = db.session.scalars(select(Notification).where(Notification.kind == "service_consent_requested")).all()
    assert [note.user_id for note in asked] == [world.respondent_user.id]
    assert "document.consent_requested" in _timeline(world.case.id)
    clock.advance(minutes=10)
    answer = _consent(client, world)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "given" and answer.get_json()["scope"] == "case"
    served = document(held["document_id"])
    assert served.status == "delivered" and served.served_at is not None and served.confirmed_by_recipient
    act = db.session.scalars(select(ServiceConsentAct)).one()
    assert (act.action, act.method, act.actor_role) == ("give", "mini_program", "party")
    assert act.text_version == consent_text.CURRENT_VERSION and act.text_sha256 == consent_text.current()["sha256"]


def test_a_consent_to_another_text_is_refused(client):
    world = service_world(respondent_consents=False)
    answer = _consent(client, world, text_sha256="0" * 64)
    assert answer.status_code == 409 and answer.get_json()["reason"] == "service_consent.text_mismatch"
    assert db.session.scalars(select(ServiceConsentAct)).all() == []


def test_an_agent_consents_for_their_party_and_the_document_is_served_at_first_open(client, clock):
    world = service_world(respondent_consents=False)
    _lawyer, lawyer_headers = add_lawyer(world)
    held = push(client, world).get_json()
    answer = _consent(client, world, headers=lawyer_headers)
    assert answer.status_code == 200, answer.get_json()
    delivered = document(held["document_id"])
    assert delivered.status == "delivered" and delivered.served_at is None  # the recipient did not confirm it
    assert client.get(f"{MP}/documents/{held['document_id']}", headers=world.respondent_headers).status_code == 200
    assert document(held["document_id"]).served_at is not None
    events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.type == "consent.e_service_given")).all()
    assert events[0].actor_role == "agent" and "由委托代理人办理" in events[0].summary
    assert "by their agent" in summary_in(events[0], "en")


def test_withdrawing_holds_the_next_documents_and_keeps_what_was_served(client, clock):
    world = service_world()
    first = push(client, world).get_json()
    assert first["status"] == "delivered"
    url = f"{MP}/cases/{world.case.id}/service-consent"
    gone = client.delete(url, headers=world.respondent_headers)
    assert gone.status_code == 200 and gone.get_json()["status"] == "withdrawn"
    assert client.delete(url, headers=world.respondent_headers).status_code == 409
    second = push(client, world, title="举证通知书").get_json()
    assert second["status"] == "held" and document(first["document_id"]).served_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "service_consent.withdrawn" in actions and "consent.e_service_withdrawn" in _timeline(world.case.id)


def test_the_address_can_be_confirmed_or_changed_and_is_shown_masked(client):
    world = service_world()
    url = f"{MP}/cases/{world.case.id}/service-consent/address"
    changed = client.put(
        url, json={"address_kind": "phone", "address": "13912345678"}, headers=world.respondent_headers
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["address"] == "139****5678" and changed.get_json()["address_kind"] == "phone"
    bad = client.put(url, json={"address_kind": "email", "address": "not-an-address"}, headers=world.respondent_headers)
    assert bad.status_code == 422
    shown = client.get(f"{MP}/cases/{world.case.id}/service-consent", headers=world.respondent_headers).get_json()
    assert shown["parties"][0]["address"] == "139****5678"
    act = db.session.scalars(select(ServiceConsentAct).where(ServiceConsentAct.action == "change_address")).one()
    assert act.address_enc is not None and "13912345678" not in act.address_enc  # kept encrypted


def test_a_consent_for_all_my_cases_delivers_everywhere_and_reaches_cases_joined_later(client, clock):
    world = service_world(respondent_consents=False)
    held = push(client, world).get_json()
    given = client.post(f"{MP}/me/service-consent", json=_agree(), headers=world.respondent_headers)
    assert given.status_code == 200 and given.get_json()["status"] == "given"
    assert document(held["document_id"]).status == "delivered"
    later = file_case(kind="litigation", court=world.court)  # a new case naming the same person, joined later
    query = select(CaseParty).where(CaseParty.case_id == later.id, CaseParty.user_id.is_(None))
    party = db.session.scalars(query).one()
    party.user_id = world.respondent_user.id
    db.session.commit()
    relogin(world)
    world.case, world.respondent = later, party
    assert push(client, world).get_json()["status"] == "delivered"
    withdrawn = client.delete(f"{MP}/me/service-consent", headers=world.respondent_headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert push(client, world, title="再次通知").get_json()["status"] == "held"


def test_all_cases_is_for_the_party_themselves_not_their_agent(client):
    world = service_world(respondent_consents=False)
    _lawyer, lawyer_headers = add_lawyer(world)
    answer = _consent(client, world, headers=lawyer_headers, scope="all_cases")
    assert answer.status_code == 403 and answer.get_json()["reason"] == "service_consent.scope"


def test_a_clerk_records_a_consent_obtained_by_phone(client, clock):
    world = service_world(respondent_consents=False)
    held = push(client, world).get_json()
    seen = client.get(f"{COURT}/cases/{world.case.id}/service-consents", headers=world.clerk_headers).get_json()
    assert seen["without_consent"] == 1 and seen["parties"][0]["party_id"] == str(world.respondent.id)
    body = {"party_id": str(world.respondent.id), "note": "电话确认，2026-11-02 10:00", "address_read_back": True}
    answer = client.post(f"{COURT}/cases/{world.case.id}/service-consents", json=body, headers=world.clerk_headers)
    assert answer.status_code == 200, answer.get_json()
    served = document(held["document_id"])
    assert served.status == "delivered" and served.served_at is None  # served when the recipient first acts
    act = db.session.scalars(select(ServiceConsentAct)).one()
    assert act.method == "clerk_recorded" and act.note and act.actor_role == "clerk"


def test_a_claim_code_works_once_and_only_for_the_phone_it_was_sent_to(client):
    world = service_world(respondent_consents=False, joined=False)
    push(client, world)
    push(client, world, title="举证通知书")  # the same day: the code already sent covers it, no second SMS
    message = db.session.scalars(select(SmsMessage).where(SmsMessage.template == "service_claim")).one()
    code = re.search(r"接收码([A-Z0-9]{8})", message.text or "").group(1)
    assert "李四" not in message.text and message.phone_masked.endswith("0009")
    other_phone = world.respondent_headers  # a user whose phone is not the one the SMS went to
    assert client.post(f"{MP}/service/claim", json={"code": code}, headers=other_phone).status_code == 404
    owner = login(make_user(phone="13800000009"))  # the phone the filing gave for the respondent
    first = client.post(f"{MP}/service/claim", json={"code": code}, headers=owner)
    assert first.status_code == 200, first.get_json()
    assert uuid.UUID(first.get_json()["party_id"]) == world.respondent.id
    assert client.post(f"{MP}/service/claim", json={"code": code}, headers=owner).status_code == 404
    assert db.session.scalars(select(ServiceClaim)).one().claimed_at is not None
    assert "service_claim.failed" in set(db.session.scalars(select(AuditEvent.action)))


def test_a_party_who_joins_later_with_a_consent_for_all_cases_gets_the_held_document_from_the_sweep(client, clock):
    from app.documents import escalation

    world = service_world(respondent_consents=False, joined=False)
    given = client.post(f"{MP}/me/service-consent", json=_agree(), headers=world.respondent_headers)
    assert given.status_code == 200 and given.get_json()["status"] == "given"
    held = push(client, world).get_json()
    assert held["status"] == "held"
    party = db.session.get(CaseParty, world.respondent.id)
    party.user_id = world.respondent_user.id  # joined by invitation, say
    db.session.commit()
    clock.advance(hours=1)
    escalation.deliver_held()
    served = document(held["document_id"])
    assert served.status == "delivered" and served.served_at == clock()
    assert "consent.e_service_given" in _timeline(world.case.id)
