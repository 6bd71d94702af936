"""Issue 14 over HTTP: a defendant who never used the service gets a summons by SMS notice, consents, is served.

Everything a person or a court system would do goes through the API: the filing, the court's acceptance, the push,
the SMS login, the claim with the code the notice carried, the consent; the clock moves between the steps so
that the moment of service is provably the moment consent arrived.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from tests.api.service.support import push, types
from tests.support.cases import filing
from tests.support.factories import grant, login, machine_headers, make_court, make_user

MP, COURT = "/api/mp/v1", "/api/court/v1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFENDANT_PHONE = "13800000009"  # the phone the plaintiff gave for the defendant in tests.support.cases.filing


def _sms_to(client, phone: str, template: str) -> str:
    messages = client.get(f"{MP}/dev/sms-outbox", query_string={"phone": phone}).get_json()
    return next(m["text"] for m in messages if m["template"] == template)


def _sms_login(client, phone: str) -> tuple[dict, str]:
    assert client.post(f"{MP}/auth/sms/send", json={"phone": phone}).status_code == 202
    code = re.search(r"验证码(\d{6})", _sms_to(client, phone, "login_code")).group(1)
    answer = client.post(f"{MP}/auth/sms/verify", json={"phone": phone, "code": code})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}, answer.get_json()["refresh_token"]


def _refreshed(client, refresh_token: str) -> dict:
    """The phone keeps its login: a new access token from the refresh token (the next day)."""
    answer = client.post(f"{MP}/auth/refresh", json={"refresh_token": refresh_token})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def _filed_and_accepted(client, court) -> tuple[str, object]:
    plaintiff, clerk = make_user(real_name="张三", phone="13800000008"), make_user()
    grant(clerk, role="clerk", court=court)
    answer = client.post(f"{MP}/cases", json=filing(kind="litigation", court=court), headers=login(plaintiff))
    assert answer.status_code == 201, answer.get_json()
    case_id = answer.get_json()["id"]
    clerk_headers = login(clerk)
    accepted = client.post(f"{COURT}/cases/{case_id}/accept", json={}, headers=clerk_headers)
    assert accepted.status_code == 200, accepted.get_json()
    return case_id, clerk


def test_a_defendant_who_never_used_the_service_is_served_after_consenting(client, clock):
    court = make_court()
    case_id, clerk = _filed_and_accepted(client, court)
    clerk_headers = login(clerk)
    system = machine_headers(court)

    # the court sees who has not consented: the defendant, who has no account
    consents = client.get(f"{COURT}/cases/{case_id}/service-consents", headers=clerk_headers).get_json()
    defendant = next(p for p in consents["parties"] if p["role"] == "defendant")
    assert consents["without_consent"] == 1 and defendant["status"] == "none" and defendant["joined"] is False

    # the court system pushes a summons and a copy of the complaint: held, and the defendant is told by SMS
    world = SimpleNamespace(case=SimpleNamespace(id=case_id), respondent=SimpleNamespace(id=defendant["party_id"]))
    pushed = [
        push(client, world, headers=system, doc_type=doc_type, title=title).get_json()
        for doc_type, title in (("summons", "传票"), ("complaint_copy", "起诉状副本"))
    ]
    assert [p["status"] for p in pushed] == ["held", "held"]
    assert {p["hold_reason"] for p in pushed} == {"no_e_service_consent"}
    notice = _sms_to(client, DEFENDANT_PHONE, "service_claim")
    assert "李四" not in notice and "330206" not in notice  # no name, no ID number in an SMS
    code = re.search(r"接收码([A-Z0-9]{8})", notice).group(1)

    # hours later the defendant logs in with that phone, enters the code and reads the text
    clock.advance(hours=5)
    headers, refresh_token = _sms_login(client, DEFENDANT_PHONE)
    claimed = client.post(f"{MP}/service/claim", json={"code": code}, headers=headers)
    assert claimed.status_code == 200, claimed.get_json()
    assert claimed.get_json()["case_id"] == case_id and claimed.get_json()["waiting_documents"] == 2
    assert client.get(f"{MP}/documents", headers=headers).get_json()["items"] == []  # joining is not consent
    shown = client.get(f"{MP}/cases/{case_id}/service-consent", headers=headers).get_json()
    text = shown["consent_text"]
    assert shown["parties"][0]["status"] == "none" and shown["parties"][0]["waiting_documents"] == 2

    # a day later they consent: both documents are delivered and served at that moment
    clock.advance(days=1)
    headers, system, clerk_headers = _refreshed(client, refresh_token), machine_headers(court), login(clerk)
    consented_at = clock()
    body = {"address_kind": "mini_program", "text_version": text["version"], "text_sha256": text["sha256"]}
    given = client.post(
        f"{MP}/cases/{case_id}/service-consent", json=body, headers={**headers, "Idempotency-Key": "c1"}
    )
    assert given.status_code == 200, given.get_json()
    assert given.get_json()["status"] == "given" and given.get_json()["waiting_documents"] == 0

    inbox = client.get(f"{MP}/documents", headers=headers).get_json()["items"]
    assert sorted(item["title"] for item in inbox) == ["传票", "起诉状副本"]
    for sent in pushed:
        seen = client.get(f"{COURT}/documents/{sent['document_id']}", headers=system).get_json()
        assert seen["status"] == "delivered"
        assert dt.datetime.fromisoformat(seen["served_at"]) == consented_at
        assert types(sent["document_id"])[:3] == ["submitted", "accepted", "delivered"]
    answer_period = client.get(f"{COURT}/documents/{pushed[1]['document_id']}", headers=system).get_json()["deadline"]
    local_day = consented_at.astimezone(SHANGHAI).date()
    assert dt.datetime.fromisoformat(answer_period["trigger"]["at"]) == consented_at
    assert answer_period["period"]["counting_starts"] == str(local_day + dt.timedelta(days=1))

    # on the timeline, in the audit log, and the clerk's list is now empty
    timeline = client.get(f"{MP}/cases/{case_id}/timeline", headers=headers).get_json()
    kinds = [event["type"] for event in (timeline["items"] if isinstance(timeline, dict) else timeline)]
    assert "document.consent_requested" in kinds and "consent.e_service_given" in kinds and "case.party_joined" in kinds
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"service_claim.claimed", "service_consent.given"} <= actions
    after = client.get(f"{COURT}/cases/{case_id}/service-consents", headers=clerk_headers).get_json()
    assert after["without_consent"] == 0
