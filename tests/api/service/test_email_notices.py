"""Notices go to the consented service address: a verified e-mail (SMTP, here a real fake server on 127.0.0.1),
a confirmed phone (SMS to that number), else the account; the evidence chain and the certificate say where.

The journey: a respondent who joined by invitation consents with an e-mail address, confirms it with the code
the platform mailed, the court system pushes a document, the notice arrives at the SMTP server, the recipient
opens the document, and the service certificate names the channel and the (masked) address.
"""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.cases.models import TimelineEvent
from app.documents.models import DeliveryEvent
from app.extensions import db
from app.notifications import EmailMessage, Notification, email_outbox
from app.notifications import dispatch as notifications
from app.sms import SmsMessage
from app.utils import clock as app_clock
from tests.api.service.support import document, push, service_world
from tests.support import pdf_reader
from tests.support.factories import login
from tests.support.fake_smtp import FakeSmtp

MP, COURT = "/api/mp/v1", "/api/court/v1"


@pytest.fixture
def smtp(app):
    """A fake SMTP server the app sends to (plain SMTP on 127.0.0.1)."""
    with FakeSmtp() as server:
        app.config.update(
            EMAIL_SMTP_HOST="127.0.0.1",
            EMAIL_SMTP_PORT=server.port,
            EMAIL_SMTP_SECURITY="plain",
            EMAIL_SMTP_USER="court-mailer",
            EMAIL_SMTP_PASSWORD="secret",
            EMAIL_SMTP_TIMEOUT=5,
        )
        app.extensions.pop("microcourt.mailer", None)  # rebuilt from the new settings
        yield server
    app.extensions.pop("microcourt.mailer", None)  # the app is shared: the next test gets the console mailer


def _agree(**extra: object) -> dict:
    from app.documents import consent_text

    text = consent_text.current()
    return {"text_version": text["version"], "text_sha256": text["sha256"], **extra}


def _consent(client, world, headers, **extra):
    return client.post(f"{MP}/cases/{world.case.id}/service-consent", json=_agree(**extra), headers=headers)


def _code(smtp: FakeSmtp, address: str) -> str:
    mail = [m for m in smtp.to(address) if "确认电子送达地址" in str(m.message["Subject"])][-1]
    return re.search(r"确认码是 (\d{6})", mail.body).group(1)


def _confirm(client, world, headers, code: str):
    url = f"{MP}/cases/{world.case.id}/service-consent/address/confirm"
    return client.post(url, json={"code": code}, headers=headers)


def _notices(document_id: str) -> list[dict]:
    db.session.expire_all()
    query = select(DeliveryEvent).where(
        DeliveryEvent.document_id == uuid.UUID(document_id),
        DeliveryEvent.type.in_(("notified", "notification_failed")),
    )
    return [event.data for event in db.session.scalars(query.order_by(DeliveryEvent.seq))]


def _verified_world(client, smtp, address: str = "li.si@example.com"):
    world = service_world(respondent_consents=False)
    assert _consent(client, world, world.respondent_headers, address_kind="email", address=address).status_code == 200
    answer = _confirm(client, world, world.respondent_headers, _code(smtp, address))
    assert answer.status_code == 200, answer.get_json()
    return world


def test_the_journey_invitation_email_consent_code_push_notice_open_certificate(client, clock, smtp):
    world = service_world(respondent_consents=False, joined=False)
    clerk_headers = world.clerk_headers

    # the clerk invites the respondent; 李四 accepts the invitation and so joins the case
    issued = client.post(f"{MP}/cases/{world.case.id}/invitations", json={"role": "respondent"}, headers=clerk_headers)
    assert issued.status_code == 201, issued.get_json()
    accepted = client.post(f"{MP}/invitations/{issued.get_json()['token']}/accept", headers=world.respondent_headers)
    assert accepted.status_code == 200, accepted.get_json()
    party_id = accepted.get_json()["party_id"]

    # consent with an e-mail address: recorded, but not used before the code sent to it comes back
    given = _consent(client, world, world.respondent_headers, address_kind="email", address="Li.Si@Example.com")
    assert given.status_code == 200, given.get_json()
    body = given.get_json()
    assert body["status"] == "given" and body["address"] == "L***@Example.com"
    assert body["address_verification"] == "pending" and body["address_confirmed"] is False
    assert body["notices_to"] == "account"
    code = _code(smtp, "Li.Si@Example.com")
    assert smtp.messages[-1].user == "court-mailer"  # the mailer logged in

    wrong = _confirm(client, world, world.respondent_headers, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 422 and wrong.get_json()["reason"] == "service_consent.code_invalid"
    confirmed = _confirm(client, world, world.respondent_headers, code)
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["address_verification"] == "verified"
    assert confirmed.get_json()["notices_to"] == "email" and confirmed.get_json()["address_confirmed"] is True
    again = _confirm(client, world, world.respondent_headers, code)
    assert again.status_code == 409 and again.get_json()["reason"] == "service_consent.no_code_pending"

    # the court system pushes a summons: delivered, and the notice is mailed to the confirmed address
    target = SimpleNamespace(case=world.case, respondent=SimpleNamespace(id=party_id))
    pushed = push(client, target, headers=world.machine_headers, doc_type="summons", title="传票")
    assert pushed.status_code == 201, pushed.get_json()
    document_id = pushed.get_json()["document_id"]
    assert pushed.get_json()["status"] == "delivered"
    notice = [m for m in smtp.to("Li.Si@Example.com") if "待查收" in str(m.message["Subject"])]
    assert len(notice) == 1 and "《传票》" in notice[0].body
    assert db.session.scalar(select(SmsMessage.id).where(SmsMessage.template == "document_served")) is None
    assert _notices(document_id) == [
        {
            "audience": "recipient",
            "purpose": "delivery",
            "notification_id": _notices(document_id)[0]["notification_id"],
            "to": "L***@example.com",
            "channel": "email",
            "outcome": "sent",
            "provider": "smtp",
            "provider_code": "ok",
            "provider_message": notice[0].message["Message-ID"],
        }
    ]

    # the recipient opens it; the certificate says it was notified by e-mail, and where
    opened = client.get(f"{MP}/documents/{document_id}", headers=world.respondent_headers)
    assert opened.status_code == 200, opened.get_json()
    assert document(document_id).first_opened_at is not None
    pdf = client.get(f"{COURT}/documents/{document_id}/certificate.pdf", headers=world.machine_headers)
    assert pdf.status_code == 200
    text = pdf_reader.text(pdf.data)
    assert "电子邮件" in text and "L***@example.com" in text and "li.si" not in text.lower()
    events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == world.case.id)).all()
    verified = next(e for e in events if e.type == "consent.e_service_address_verified")
    assert "example" not in str(verified.data).lower()  # no address on the timeline: personal data


def test_smtp_down_is_retried_with_backoff_and_nothing_is_lost(client, clock, smtp):
    world = _verified_world(client, smtp)
    smtp.stop()
    pushed = push(client, world, doc_type="summons", title="传票").get_json()
    message = db.session.scalars(select(EmailMessage).where(EmailMessage.template == "document_served")).one()
    assert message.status == "queued" and message.attempts == 1 and message.error.startswith("network")
    first_wait = (message.next_attempt_at - app_clock.now()).total_seconds()
    assert 30 <= first_wait <= 60  # 60 s base with jitter in [0.5, 1]
    assert _notices(pushed["document_id"]) == []  # nothing recorded as sent, nothing as failed

    assert email_outbox.sweep() == 0  # not due yet: the backoff holds
    clock.advance(seconds=61)
    assert email_outbox.sweep() == 1  # due: tried again, the server is still down
    db.session.expire_all()
    message = db.session.get(EmailMessage, message.id)
    assert message.attempts == 2 and message.status == "queued"
    second_wait = (message.next_attempt_at - app_clock.now()).total_seconds()
    assert 60 <= second_wait <= 120  # doubled

    smtp.start()
    clock.advance(minutes=10)  # past the backoff and the notification's claim
    email_outbox.sweep()
    notifications.sweep()
    assert len([m for m in smtp.to("li.si@example.com") if "待查收" in str(m.message["Subject"])]) == 1
    notes = _notices(pushed["document_id"])
    assert [(n["channel"], n["outcome"], n["to"]) for n in notes] == [("email", "sent", "l***@example.com")]
    db.session.expire_all()
    assert db.session.get(EmailMessage, message.id).attempts == 3
    assert db.session.scalars(select(Notification).where(Notification.kind == "document_served")).one().status == (
        "sent"
    )


def test_a_refused_address_fails_once_and_falls_back_to_the_account(client, clock, smtp):
    world = _verified_world(client, smtp)
    smtp.refuse_rcpt["li.si@example.com"] = 550
    pushed = push(client, world, doc_type="summons", title="传票").get_json()
    message = db.session.scalars(select(EmailMessage).where(EmailMessage.template == "document_served")).one()
    assert message.status == "failed" and message.attempts == 1 and "550" in message.error
    notes = _notices(pushed["document_id"])
    assert [(n["channel"], n["outcome"]) for n in notes] == [("email", "failed"), ("sms", "sent")]
    assert notes[1]["to"].startswith("139****")  # the account's own phone, masked


def test_a_changed_address_takes_the_next_notice_and_the_sent_one_stays(client, clock, smtp):
    world = _verified_world(client, smtp, "old@example.com")
    first = push(client, world, doc_type="summons", title="传票").get_json()
    url = f"{MP}/cases/{world.case.id}/service-consent/address"
    changed = client.put(
        url, json={"address_kind": "email", "address": "new@example.org"}, headers=world.respondent_headers
    )
    assert changed.status_code == 200 and changed.get_json()["address_verification"] == "pending"
    # until the new address is confirmed, notices go to the account, never to the old address
    between = push(client, world, doc_type="complaint_copy", title="起诉状副本").get_json()
    assert [n["channel"] for n in _notices(between["document_id"])] == ["sms"]
    assert _confirm(client, world, world.respondent_headers, _code(smtp, "new@example.org")).status_code == 200
    second = push(client, world, doc_type="evidence_notice", title="举证通知书").get_json()
    assert [n["to"] for n in _notices(second["document_id"])] == ["n***@example.org"]
    assert [n["to"] for n in _notices(first["document_id"])] == ["o***@example.com"]  # what was sent stays
    assert len([m for m in smtp.to("old@example.com") if "待查收" in str(m.message["Subject"])]) == 1
    # back to the old address: it was verified before, so no new code is needed
    back = client.put(
        url, json={"address_kind": "email", "address": "old@example.com"}, headers=world.respondent_headers
    )
    assert back.get_json()["address_verification"] == "verified" and back.get_json()["notices_to"] == "email"


def test_a_confirmed_phone_address_gets_the_sms_and_withdrawal_stops_the_notices(client, clock, smtp):
    world = service_world(respondent_consents=False)
    given = _consent(client, world, world.respondent_headers, address_kind="phone", address="13912345678")
    assert given.status_code == 200 and given.get_json()["notices_to"] == "phone"
    pushed = push(client, world, doc_type="summons", title="传票").get_json()
    notes = _notices(pushed["document_id"])
    assert [(n["channel"], n["to"], n["outcome"]) for n in notes] == [("sms", "139****5678", "sent")]
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.template == "document_served")).one()
    assert sms.phone_masked == "139****5678"
    withdrawn = client.delete(f"{MP}/cases/{world.case.id}/service-consent", headers=world.respondent_headers)
    assert withdrawn.status_code == 200
    later = push(client, world, doc_type="complaint_copy", title="起诉状副本").get_json()
    assert later["status"] == "held" and _notices(later["document_id"]) == []
    assert [n["to"] for n in _notices(pushed["document_id"])] == ["139****5678"]


def test_a_bad_email_is_422_and_nothing_is_recorded(client, clock, smtp):
    world = service_world(respondent_consents=False)
    for bad in ("not-an-email", "a@b", "two@@example.com", ""):
        answer = _consent(client, world, world.respondent_headers, address_kind="email", address=bad)
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["reason"] == "service_consent.address_invalid"
    missing = _consent(client, world, world.respondent_headers, address_kind="email")
    assert missing.status_code == 422 and missing.get_json()["reason"] == "service_consent.address_invalid"
    assert smtp.messages == [] and db.session.scalar(select(EmailMessage.id)) is None
    bad_code = _confirm(client, world, world.respondent_headers, "12")
    assert bad_code.status_code == 422 and "code" in bad_code.get_json()["errors"]


def test_five_wrong_codes_burn_it_and_a_new_address_act_sends_a_new_one(client, clock, smtp):
    world = service_world(respondent_consents=False)
    _consent(client, world, world.respondent_headers, address_kind="email", address="z@example.com")
    code = _code(smtp, "z@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert _confirm(client, world, world.respondent_headers, wrong).status_code == 422
    burnt = _confirm(client, world, world.respondent_headers, code)
    assert burnt.status_code == 409 and burnt.get_json()["reason"] == "service_consent.no_code_pending"
    url = f"{MP}/cases/{world.case.id}/service-consent/address"
    client.put(url, json={"address_kind": "email", "address": "z@example.com"}, headers=world.respondent_headers)
    assert _confirm(client, world, world.respondent_headers, _code(smtp, "z@example.com")).status_code == 200


def test_an_expired_code_is_refused(client, clock, smtp):
    world = service_world(respondent_consents=False)
    _consent(client, world, world.respondent_headers, address_kind="email", address="late@example.com")
    code = _code(smtp, "late@example.com")
    clock.advance(minutes=31)
    world.respondent_headers = login(world.respondent_user)
    late = _confirm(client, world, world.respondent_headers, code)
    assert late.status_code == 409 and late.get_json()["reason"] == "service_consent.no_code_pending"


def test_the_all_cases_consent_with_an_email_and_the_reminder_by_email(client, clock, smtp):
    from app.documents import escalation

    world = service_world(respondent_consents=False)
    given = client.post(
        f"{MP}/me/service-consent",
        json=_agree(address_kind="email", address="all@example.com"),
        headers=world.respondent_headers,
    )
    assert given.status_code == 200 and given.get_json()["address_verification"] == "pending"
    confirmed = client.post(
        f"{MP}/me/service-consent/address/confirm",
        json={"code": _code(smtp, "all@example.com")},
        headers=world.respondent_headers,
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["address_verification"] == "verified"
    pushed = push(client, world, doc_type="summons", title="传票").get_json()
    assert [n["to"] for n in _notices(pushed["document_id"])] == ["a***@example.com"]
    clock.advance(hours=25)
    assert escalation.remind_due() == 1
    reminders = [m for m in smtp.to("all@example.com") if "提醒" in str(m.message["Subject"])]
    assert len(reminders) == 1 and "《传票》" in reminders[0].body
    purposes = [(n["purpose"], n["channel"]) for n in _notices(pushed["document_id"])]
    assert purposes == [("delivery", "email"), ("reminder", "email")]


def test_the_dev_email_outbox_shows_the_code_without_an_smtp_host(client, clock):
    world = service_world(respondent_consents=False)
    _consent(client, world, world.respondent_headers, address_kind="email", address="dev@example.com")
    mails = client.get(f"{MP}/dev/email-outbox", query_string={"email": "dev@example.com"}).get_json()
    assert mails[0]["template"] == "service_address_code" and re.fullmatch(r"\d{6}", mails[0]["code"])
    answer = _confirm(client, world, world.respondent_headers, mails[0]["code"])
    assert answer.status_code == 200 and answer.get_json()["notices_to"] == "email"
    pushed = push(client, world, doc_type="summons", title="传票").get_json()
    assert [(n["channel"], n["provider"]) for n in _notices(pushed["document_id"])] == [("email", "console")]


def test_a_clerk_recorded_phone_counts_only_when_read_back(client, clock):
    world = service_world(respondent_consents=False)
    url = f"{COURT}/cases/{world.case.id}/service-consents"
    body = {"party_id": str(world.respondent.id), "note": "by phone", "address_kind": "phone", "address": "13912340000"}
    recorded = client.post(url, json=body, headers=world.clerk_headers)
    assert recorded.status_code == 200 and recorded.get_json()["notices_to"] == "account"
    first = push(client, world, doc_type="summons", title="传票").get_json()
    assert first["hold_reason"] == "address_not_confirmed" and _notices(first["document_id"]) == []
    read_back = client.post(url, json={**body, "address_read_back": True}, headers=world.clerk_headers)
    assert read_back.status_code == 200 and read_back.get_json()["notices_to"] == "phone"
    # the held document is delivered now, and its notice goes to the number read back
    assert [n["to"] for n in _notices(first["document_id"])] == ["139****0000"]
    second = push(client, world, doc_type="complaint_copy", title="起诉状副本").get_json()
    assert [n["to"] for n in _notices(second["document_id"])] == ["139****0000"]


def test_a_clerk_recorded_email_is_confirmed_by_the_party_with_the_mailed_code(client, clock, smtp):
    world = service_world(respondent_consents=False)
    url = f"{COURT}/cases/{world.case.id}/service-consents"
    body = {
        "party_id": str(world.respondent.id),
        "note": "in person",
        "address_kind": "email",
        "address": "c@example.com",
    }
    body["address_read_back"] = True
    recorded = client.post(url, json=body, headers=world.clerk_headers)
    assert recorded.status_code == 200 and recorded.get_json()["address_verification"] == "pending"
    assert _confirm(client, world, world.respondent_headers, _code(smtp, "c@example.com")).status_code == 200
    pushed = push(client, world, doc_type="summons", title="传票").get_json()
    assert [n["to"] for n in _notices(pushed["document_id"])] == ["c***@example.com"]


def test_without_an_smtp_host_in_production_an_email_address_is_refused(app, client, clock):
    from app.integrations.email import ConsoleMailer

    world = service_world(respondent_consents=False)
    app.extensions["microcourt.mailer"] = ConsoleMailer(production=True)
    try:
        answer = _consent(client, world, world.respondent_headers, address_kind="email", address="x@example.com")
    finally:
        app.extensions.pop("microcourt.mailer", None)
    assert answer.status_code == 409 and answer.get_json()["reason"] == "service_consent.email_unavailable"
    assert db.session.scalar(select(EmailMessage.id)) is None


def test_codes_to_one_address_are_limited_per_hour(client, clock, smtp):
    world = service_world(respondent_consents=False)
    assert (
        _consent(client, world, world.respondent_headers, address_kind="email", address="f@example.com").status_code
        == 200
    )
    url = f"{MP}/cases/{world.case.id}/service-consent/address"
    change = {"address_kind": "email", "address": "f@example.com"}
    for _ in range(4):
        assert client.put(url, json=change, headers=world.respondent_headers).status_code == 200
    flooded = client.put(url, json=change, headers=world.respondent_headers)
    assert flooded.status_code == 429 and flooded.get_json()["reason"] == "service_consent.too_many_codes"
    assert flooded.headers["Retry-After"] == "3600"
    assert len(smtp.to("f@example.com")) == 5
    clock.advance(minutes=61)
    world.respondent_headers = login(world.respondent_user)
    assert client.put(url, json=change, headers=world.respondent_headers).status_code == 200
