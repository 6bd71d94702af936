"""Issue 15 end to end over HTTP, across every person it involves.

A citizen files; the clerk accepts (the fees work issues the notice to pay; the payment reaches the ledger as the
payments work posts it); the clerk sets the evidence period; the defendant, reached by the SMS the held notice sent,
joins from the phone but never consents to e-service; both sides upload and exchange evidence; the clerk books a
hearing (summons served), holds it with attendance; the judge records the judgment; the court system serves it,
electronically on the plaintiff and on paper on the defendant (recorded as postal service); the defendant's appeal
period passes; the sweep makes the judgment effective; the plaintiff applies for enforcement, accepted with a 执
number, and downloads the case file. The second journey: the defendant appeals in time with new evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
import urllib.parse
import uuid
from types import SimpleNamespace

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import CaseParty
from app.extensions import celery, db
from app.fees import ledger
from app.identity import User
from app.notifications.models import Notification
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.casefile.support import download, open_zip
from tests.api.service.support import pdf_bytes, push
from tests.api.service.test_consent_journey import DEFENDANT_PHONE, _sms_login, _sms_to
from tests.support.cases import filing
from tests.support.factories import grant, login, machine_headers, make_court, make_user

MP, COURT = "/api/mp/v1", "/api/court/v1"
SWEEP = "microcourt.litigation.effect_sweep"


def _at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)


def _ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def _write(client, url: str, body: dict, headers: dict, status: int = 200) -> dict:
    return _ok(client.post(url, json=body, headers={**headers, "Idempotency-Key": f"k-{uuid.uuid4()}"}), status)


@dataclasses.dataclass
class Journey:
    court: object
    case_id: str
    plaintiff: User
    defendant: User
    clerk: User
    judge: User
    plaintiff_party: str
    defendant_party: str
    judgments: dict  # party id -> the pushed judgment

    def h(self, who: str) -> dict:
        return machine_headers(self.court) if who == "machine" else login(getattr(self, who))


def _upload(client, case_id: str, headers: dict, title: str, **extra) -> str:
    """Evidence the way the phone sends it: the form, the file to the (local) store, complete."""
    content = pdf_bytes(title)
    body = {
        "filename": f"{title}.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": title,
        "category": "书证",
        "purpose": f"证明{title}",
        **extra,
    }
    ticket = _ok(client.post(f"{MP}/cases/{case_id}/evidence/uploads", json=body, headers=headers), 201)
    form = ticket["upload"]
    sent = client.post(
        urllib.parse.urlsplit(form["url"]).path,
        data={**form["fields"], form["file_field"]: (io.BytesIO(content), "x.pdf")},
    )
    assert sent.status_code in (200, 201, 204)
    url = f"{MP}/evidence/{ticket['evidence_id']}/complete"
    assert _ok(client.post(url, headers=headers), 202)["status"] == "verifying"  # the job runs after the request
    assert _ok(client.post(url, headers=headers))["status"] == "stored"
    return ticket["evidence_id"]


def _to_judgment(client, clock) -> Journey:
    """Filing to the judgment served: on the plaintiff electronically, on the defendant on paper (postal service)."""
    clock.set(_at(2026, 11, 2, 9, 0))  # a Monday
    court = make_court("浙0212")
    plaintiff, clerk, judge = make_user(real_name="张三", phone="13800000008"), make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(judge, role="judge", court=court)
    subscription = {"url": "http://127.0.0.1:9/hooks", "events": ["*"]}
    _ok(client.post(f"{COURT}/webhooks", json=subscription, headers=machine_headers(court)), 201)

    # filing, acceptance (立案) and the fee: the notice is issued at acceptance; the payment reaches the ledger
    case_id = _write(client, f"{MP}/cases", filing(kind="litigation", court=court), login(plaintiff), 201)["id"]
    accepted = _write(client, f"{COURT}/cases/{case_id}/accept", {}, login(clerk))
    assert re.fullmatch(r"\(2026\)浙0212民初\d+号", accepted["case_number"])
    [notice] = _ok(client.get(f"{MP}/cases/{case_id}/fees", headers=login(plaintiff)))["notices"]
    ledger.post(
        case_id=uuid.UUID(case_id),
        party_id=uuid.UUID(notice["party_id"]),
        kind="paid",
        amount_fen=notice["amount_fen"],
        reference="wx-journey-1",
    )
    db.session.commit()
    assert _ok(client.get(f"{MP}/cases/{case_id}/fees", headers=login(plaintiff)))["notices"][0]["status"] == "paid"

    # the evidence period (summary procedure, 15 days: to Tuesday 17 November); its notice reaches the plaintiff's
    # inbox; the defendant has no account: the notice is held and an SMS carries the code to receive it
    period = _write(
        client, f"{COURT}/cases/{case_id}/evidence-period", {"procedure": "summary", "days": 15}, login(clerk), 201
    )
    assert period["last_day"] == "2026-11-17"
    code = re.search(r"接收码([A-Z0-9]{8})", _sms_to(client, DEFENDANT_PHONE, "service_claim")).group(1)
    phone_login, _refresh = _sms_login(client, DEFENDANT_PHONE)
    _write(client, f"{MP}/service/claim", {"code": code}, phone_login)
    parties = db.session.scalars(select(CaseParty).where(CaseParty.case_id == uuid.UUID(case_id))).all()
    plaintiff_party = next(p for p in parties if p.role == "plaintiff")
    defendant_party = next(p for p in parties if p.role == "defendant")
    defendant = db.session.get_one(User, defendant_party.user_id)
    j = Journey(
        court, case_id, plaintiff, defendant, clerk, judge, str(plaintiff_party.id), str(defendant_party.id), {}
    )

    # both sides upload and submit; each sees the other's submitted evidence (the exchange, 证据交换)
    loan = _upload(client, case_id, j.h("plaintiff"), "借条")
    receipt = _upload(client, case_id, j.h("defendant"), "部分还款凭证")
    for who, item in (("plaintiff", loan), ("defendant", receipt)):
        _ok(client.post(f"{MP}/evidence/{item}/submit", headers=j.h(who)))
    seen_by_defendant = _ok(client.get(f"{MP}/cases/{case_id}/evidence", headers=j.h("defendant")))
    seen_by_plaintiff = _ok(client.get(f"{MP}/cases/{case_id}/evidence", headers=j.h("plaintiff")))
    assert loan in str(seen_by_defendant) and receipt in str(seen_by_plaintiff)

    # the clerk books the hearing in courtroom 1 after the period; summons served on both
    room = _write(client, f"{COURT}/courtrooms", {"name": "1号法庭", "location": "二楼东"}, j.h("clerk"), 201)
    booking = {
        "starts_at": "2026-11-24T09:00:00+08:00",
        "ends_at": "2026-11-24T11:00:00+08:00",
        "mode": "in_person",
        "courtroom_id": room["id"],
        "judge_user_id": str(judge.id),
    }
    hearing = _write(client, f"{COURT}/cases/{case_id}/hearings", booking, j.h("clerk"), 201)
    assert len(hearing["summons"]) == 2
    assert _ok(client.get(f"{MP}/cases/{case_id}", headers=j.h("plaintiff")))["status"] == "hearing_scheduled"

    # the day of the hearing: everyone came; the case is in trial
    clock.set(_at(2026, 11, 24, 11, 5))
    present = [{"user_id": str(u.id), "present": True} for u in (judge, clerk, plaintiff, defendant)]
    held = _write(client, f"{COURT}/hearings/{hearing['id']}/held", {"attendance": present}, j.h("clerk"))
    assert held["status"] == "held"
    assert _ok(client.get(f"{MP}/cases/{case_id}", headers=j.h("defendant")))["status"] == "in_trial"

    # the judgment (perform within 10 days of legal effect), served by the court's system on both parties
    clock.set(_at(2026, 11, 25, 9, 0))
    decided = {"closing_method": "judgment", "performance_days": 10, "note": "判决被告归还借款"}
    _write(client, f"{COURT}/cases/{case_id}/decision", decided, j.h("judge"))
    for party in (j.plaintiff_party, j.defendant_party):
        world = SimpleNamespace(case=SimpleNamespace(id=case_id), respondent=SimpleNamespace(id=party))
        answer = push(client, world, headers=j.h("machine"), doc_type="judgment", title="民事判决书")
        j.judgments[party] = _ok(answer, 201)
    assert j.judgments[j.plaintiff_party]["status"] == "delivered"
    assert j.judgments[j.defendant_party]["status"] == "held"  # no e-service consent: the clerk serves it on paper
    assert _ok(client.get(f"{MP}/cases/{case_id}", headers=j.h("plaintiff")))["status"] == "adjudicated"

    # the postal receipt comes back: served on the defendant on 26 November (邮寄送达)
    clock.set(_at(2026, 11, 27, 9, 0))
    document_id = j.judgments[j.defendant_party]["document_id"]
    paper = {"method": "by_post", "served_at": "2026-11-26T10:00:00+08:00", "note": "EMS 1180000000001"}
    served = _write(client, f"{COURT}/documents/{document_id}/other-service", paper, j.h("clerk"))
    assert served["served_basis"] == "by_post" and served["deadline"]["last_day"] == "2026-12-11"
    return j


def test_from_filing_to_enforcement_and_the_case_file(client, clock):
    j = _to_judgment(client, clock)
    view = _ok(client.get(f"{MP}/cases/{j.case_id}/litigation", headers=j.h("plaintiff")))
    ends = {d["party_id"]: d["deadline"]["last_day"] for d in view["appeal_deadlines"]}
    assert ends == {j.plaintiff_party: "2026-12-10", j.defendant_party: "2026-12-11"}

    # the plaintiff's period ends first; the judgment waits for the defendant's (paper) period
    clock.set(_at(2026, 12, 11, 23, 0))
    assert celery.tasks[SWEEP].apply().get() == 0
    clock.set(_at(2026, 12, 12, 0, 30))
    assert celery.tasks[SWEEP].apply().get() == 1
    view = _ok(client.get(f"{MP}/cases/{j.case_id}/litigation", headers=j.h("plaintiff")))
    assert view["status"] == "effective" and view["decision"]["effective_at"] == "2026-12-11T16:00:00+00:00"
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "litigation_effective")))
    assert told == {j.plaintiff.id, j.defendant.id}

    # enforcement: applied by the plaintiff, accepted with the court's 执 number
    clues = [{"kind": "bank_account", "description": "被告在某银行的账户"}]
    body = {"request": "强制被告归还借款", "property_clues": clues}
    applied = _write(client, f"{MP}/cases/{j.case_id}/enforcement-applications", body, j.h("plaintiff"), 201)
    done = _write(client, f"{COURT}/enforcement-applications/{applied['id']}/accept", {}, j.h("clerk"))
    assert done["status"] == "accepted" and re.fullmatch(r"\(2026\)浙0212执\d+号", done["case_number"])
    assert j.plaintiff.id in set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "enforcement_accepted"))
    )

    # the plaintiff takes the case file: their evidence, the defendant's submitted evidence, the served documents
    build = _ok(client.post(f"{MP}/cases/{j.case_id}/case-file", headers=j.h("plaintiff")), 202)
    status = _ok(client.get(f"{MP}/case-files/{build['build_id']}", headers=j.h("plaintiff")))
    assert status["status"] == "ready", status
    fetched = download(client, status["download_url"])
    assert hashlib.sha256(fetched.data).hexdigest() == status["sha256"]
    _archive, index = open_zip(fetched.data)
    titles = str(index)
    assert "借条" in titles and "部分还款凭证" in titles and "民事判决书" in titles

    # the timeline, the court system's webhooks and the audit log tell the whole story
    types = [event["type"] for event in _ok(client.get(f"{MP}/cases/{j.case_id}/timeline", headers=j.h("plaintiff")))]
    for expected in (
        "case.accepted",
        "evidence_period.set",
        "evidence.submitted",
        "litigation.decision_recorded",
        "litigation.adjudicated",
        "document.served_otherwise",
        "litigation.effective",
        "enforcement.applied",
        "enforcement.accepted",
    ):
        assert expected in types, (expected, types)
    hooks = set(db.session.scalars(select(WebhookDelivery.event_type)))
    for expected in (
        "hearing.scheduled",
        "hearing.held",
        "litigation.decision_recorded",
        "litigation.adjudicated",
        "document.served_otherwise",
        "litigation.effective",
        "enforcement.applied",
        "enforcement.accepted",
    ):
        assert expected in hooks, (expected, sorted(hooks))
    actions = set(db.session.scalars(select(AuditEvent.action)))
    for expected in (
        "evidence_period.set",
        "document.served_otherwise",
        "litigation.effective",
        "enforcement.accepted",
    ):
        assert expected in actions, expected


def test_the_defendant_appeals_in_time_with_new_evidence(client, clock):
    j = _to_judgment(client, clock)
    # evidence is closed after the judgment, but new evidence for the appeal comes in inside the period
    clock.set(_at(2026, 12, 9, 20, 0))
    ordinary = client.post(
        f"{MP}/cases/{j.case_id}/evidence/uploads",
        json={
            "filename": "x.pdf",
            "content_type": "application/pdf",
            "size": 10,
            "sha256": "0" * 64,
            "title": "x",
            "category": "书证",
            "purpose": "x",
        },
        headers=j.h("defendant"),
    )
    assert ordinary.status_code == 409 and ordinary.get_json()["reason"] == "evidence.case_closed"
    new = _upload(client, j.case_id, j.h("defendant"), "银行流水", stage="appeal")
    appeal = _write(
        client,
        f"{MP}/cases/{j.case_id}/appeals",
        {"statement": "撤销原判，改判驳回原告诉讼请求", "grounds": "新证据证明借款已还清", "evidence_ids": [new]},
        j.h("defendant"),
        201,
    )
    assert appeal["evidence_ids"] == [new] and appeal["status"] == "filed"
    assert _ok(client.get(f"{MP}/cases/{j.case_id}", headers=j.h("plaintiff")))["status"] == "appealed"
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "litigation_appeal_filed")))
    assert told == {j.plaintiff.id, j.defendant.id}

    # the first-instance court takes it in and forwards it; the periods ending changes nothing
    queue = _ok(client.get(f"{COURT}/appeals", headers=j.h("clerk")))
    assert [item["id"] for item in queue["items"]] == [appeal["id"]]
    _write(client, f"{COURT}/appeals/{appeal['id']}/acknowledge", {}, j.h("clerk"))
    _write(client, f"{COURT}/appeals/{appeal['id']}/forward", {"note": "移送宁波市中级人民法院"}, j.h("clerk"))
    clock.set(_at(2026, 12, 14, 9, 0))
    assert celery.tasks[SWEEP].apply().get() == 0
    assert _ok(client.get(f"{MP}/cases/{j.case_id}", headers=j.h("plaintiff")))["status"] == "appealed"
    late = client.post(
        f"{MP}/cases/{j.case_id}/evidence/uploads",
        json={
            "filename": "y.pdf",
            "content_type": "application/pdf",
            "size": 10,
            "sha256": "0" * 64,
            "title": "y",
            "category": "书证",
            "purpose": "y",
            "stage": "appeal",
        },
        headers=j.h("defendant"),
    )
    assert late.status_code == 409 and late.get_json()["reason"] == "evidence.appeal_closed"
    hooks = set(db.session.scalars(select(WebhookDelivery.event_type)))
    assert {"litigation.appeal_filed", "litigation.appeal_acknowledged", "litigation.appeal_forwarded"} <= hooks
