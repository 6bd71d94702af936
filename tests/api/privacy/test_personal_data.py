"""Personal data rights over HTTP (PIPL Art. 45 and 47): the export of everything held about a person, and
account closure (注销): refused while a case is live, then de-identifying, revoking every token, and leaving the
court's records as filed; the same phone later makes a new, empty account."""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy import select

from app.audit import log as audit_log
from app.audit.models import AuditEvent
from app.casefile import ArchiveBuild
from app.cases.models import CaseParty
from app.extensions import db
from app.identity.login_models import AuthSession
from app.identity.models import User
from app.security import pii
from tests.api.casefile.support import download, open_zip
from tests.api.service.support import push, service_world
from tests.support.factories import login, login_pair, make_user

MP = "/api/mp/v1"


def _export(client, headers) -> tuple[dict, dict]:
    queued = client.post(f"{MP}/me/data-export", headers=headers)
    assert queued.status_code == 202, queued.get_json()
    status = client.get(f"{MP}/me/data-exports/{queued.get_json()['build_id']}", headers=headers)
    assert status.status_code == 200, status.get_json()
    return queued.get_json(), status.get_json()


def test_a_person_exports_everything_held_about_them_as_zip_and_json(client, clock):
    world = service_world()
    push(client, world, doc_type="judgment", title="民间借贷纠纷民事判决书")  # a notification and an SMS to them
    headers = world.respondent_headers
    queued, status = _export(client, headers)
    assert status["status"] == "ready" and status["item_count"] == 1
    fetched = download(client, status["download_url"])
    assert fetched.status_code == 200 and hashlib.sha256(fetched.data).hexdigest() == status["sha256"]
    archive, index = open_zip(fetched.data)
    body = archive.read("个人信息.json")
    assert index["items"][0]["sha256"] == hashlib.sha256(body).hexdigest()
    plain = download(client, status["json_url"])
    assert plain.status_code == 200 and plain.data == body
    data = json.loads(body)
    user = world.respondent_user
    phone = pii.decrypt(user.phone_enc, field="phone")
    assert data["user_id"] == str(user.id) and data["profile"]["phone"] == phone
    assert data["real_name_verification"]["real_name"] == "李四"
    [case] = data["cases_as_party"]
    assert case["case_id"] == str(world.case.id) and case["party"]["name"] == "李四"
    assert case["party"]["role"] == "respondent"
    assert any(c["kind"] == "e_service" and c["given"] for c in data["consents"])
    assert data["e_service_consent_all_cases"]["status"] == "none"
    assert data["login_sessions"] and all(s["method"] for s in data["login_sessions"])
    assert data["notifications"] and data["sms"] and "*" in data["sms"][0]["to"]
    assert "privacy.export_requested" in {entry["action"] for entry in data["audit_entries"]}
    # nobody else's party data: the filer's phone is not in it
    filer_phone = pii.decrypt(world.people["filer"].phone_enc, field="phone")
    assert filer_phone not in body.decode() and len(data["cases_as_party"]) == 1
    # asking again with nothing changed answers the same archive; another person cannot see it
    again, again_status = _export(client, headers)
    assert again["build_id"] == queued["build_id"] and again_status["sha256"] == status["sha256"]
    assert db.session.get(ArchiveBuild, uuid.UUID(queued["build_id"])).generation == 1
    other = client.get(f"{MP}/me/data-exports/{queued['build_id']}", headers=login(make_user()))
    assert other.status_code == 404


def test_closure_is_refused_while_a_case_is_live_and_then_keeps_the_courts_records(client, clock):
    world = service_world()
    user = world.respondent_user
    phone = pii.decrypt(user.phone_enc, field="phone")
    pair = login_pair(user)
    headers = {"Authorization": f"Bearer {pair.access_token}"}
    assert client.post(f"{MP}/me/closure", json={"confirm": False}, headers=headers).status_code == 422
    refused = client.post(f"{MP}/me/closure", json={"confirm": True}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "privacy.live_cases"
    assert refused.get_json()["errors"]["case_ids"] == [str(world.case.id)]
    assert world.case.case_number in refused.get_json()["errors"]["cases"][0]
    assert client.get(f"{MP}/me", headers=headers).status_code == 200  # nothing changed
    _queued, export_status = _export(client, headers)
    world.case.status = "withdrawn"  # the case ends
    db.session.commit()

    closed = client.post(f"{MP}/me/closure", json={"confirm": True}, headers=headers)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed" and "audit_log" in closed.get_json()["kept"]
    # every token stops working at once
    assert client.get(f"{MP}/me", headers=headers).status_code == 401
    assert client.post(f"{MP}/auth/refresh", json={"refresh_token": pair.refresh_token}).status_code == 401
    db.session.expire_all()
    row = db.session.get(User, user.id)
    assert row.status == "closed" and row.phone_index is None and row.phone_enc is None
    assert row.real_name is None and row.display_name is None and row.wechat_openid is None
    assert db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all() == []
    # the export that held their data is gone with the account
    assert download(client, export_status["download_url"]).status_code in (403, 404)
    # what the court must keep stays as filed
    party = db.session.get(CaseParty, world.respondent.id)
    assert party.name == "李四" and party.phone_enc is not None and party.user_id == user.id
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))).all()
    assert "privacy.account_closed" in actions
    assert audit_log.verify().ok

    # the same phone logs in again: a new, empty account
    assert client.post(f"{MP}/auth/sms/send", json={"phone": phone}).status_code == 202
    messages = client.get(f"{MP}/dev/sms-outbox", query_string={"phone": phone}).get_json()
    code = messages[0]["text"].split("验证码")[1][:6]
    answer = client.post(f"{MP}/auth/sms/verify", json={"phone": phone, "code": code})
    assert answer.status_code == 200, answer.get_json()
    fresh = {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
    me = client.get(f"{MP}/me", headers=fresh).get_json()
    assert me["id"] != str(user.id) and me["real_name"] is None
    assert client.get(f"{MP}/cases", headers=fresh).get_json()["items"] == []


def test_staff_accounts_are_closed_by_their_administrators(client, clock):
    world = service_world()
    refused = client.post(f"{MP}/me/closure", json={"confirm": True}, headers=world.clerk_headers)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "privacy.staff_account"
