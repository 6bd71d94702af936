"""Litigation test helpers: an accepted case whose two parties joined and consented to e-service, decisions pushed."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import urllib.parse
import uuid

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases import review
from app.cases.models import Case, CaseParty, TimelineEvent
from app.extensions import db
from tests.api.service.support import consent, pdf_bytes
from tests.support.factories import grant, login, machine_headers, make_court, make_user
from tests.support.review import litigation, principal

COURT, MP = "/api/court/v1", "/api/mp/v1"


@dataclasses.dataclass
class World:
    """A court with a clerk and a judge; an accepted litigation case; plaintiff and defendant joined."""

    court: object
    case: Case
    plaintiff: CaseParty
    defendant: CaseParty
    people: dict

    def headers(self, who: str) -> dict:
        """Fresh login headers of one of the people (or the court's machine client)."""
        if who == "machine":
            return machine_headers(self.court)
        return login(self.people[who])

    def principal(self, who: str):
        """The principal of one of the people."""
        return principal(self.people[who])


def accepted_case(*, code: str | None = None, status: str | None = None) -> World:
    """An accepted case (a (year)<court>民初n号 number); `status` forces a later state for state-table tests."""
    court = make_court(code) if code else make_court()
    clerk, judge = make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(judge, role="judge", court=court)
    filer = make_user(real_name="张三")
    case = litigation(court, filer)
    review.accept(case_id=case.id, actor=principal(clerk))
    parties = list(db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id)))
    plaintiff = next(p for p in parties if p.user_id == filer.id)
    defendant = next(p for p in parties if p.user_id is None)
    defendant_user = make_user(real_name="李四")
    defendant.user_id = defendant_user.id
    db.session.commit()
    for party in (plaintiff, defendant):
        consent(party, by=party.user_id)
    if status is not None:
        case.status = status
        db.session.commit()
    people = {"clerk": clerk, "judge": judge, "plaintiff": filer, "defendant": defendant_user}
    return World(court=court, case=case, plaintiff=plaintiff, defendant=defendant, people=people)


def push(client, world: World, party: CaseParty, doc_type: str = "judgment", title: str = "民事判决书"):
    """The court's system serves a document on one party (delivered and served at once: consent self-confirmed)."""
    headers = {**world.headers("machine"), "Idempotency-Key": f"push-{uuid.uuid4()}"}
    meta = {"case_id": str(world.case.id), "recipient_party_id": str(party.id), "doc_type": doc_type, "title": title}
    data = {"meta": json.dumps(meta, ensure_ascii=False), "file": (io.BytesIO(pdf_bytes()), "判决书.pdf")}
    answer = client.post(f"{COURT}/documents", data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def serve_all(client, world: World, doc_type: str = "judgment") -> list[dict]:
    """Serve the document on both parties."""
    return [push(client, world, party, doc_type) for party in (world.plaintiff, world.defendant)]


def status_of(case_id) -> str:
    """The case's stored status."""
    db.session.expire_all()
    return db.session.get_one(Case, case_id).status


def trail(case_id) -> tuple[int, int]:
    """How many timeline events the case has, and how many audit events exist."""
    timeline = db.session.scalar(select(func.count()).where(TimelineEvent.case_id == case_id))
    audit = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return timeline, audit


def timeline_types(case_id) -> list[str]:
    """The case's timeline event types, oldest first."""
    query = select(TimelineEvent.type).where(TimelineEvent.case_id == case_id)
    return list(db.session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))


def upload_evidence(client, world: World, who: str, title: str) -> str:
    """Evidence the way the phone sends it: a form, the file posted to the (local) store, then complete."""
    content = pdf_bytes(title)
    body = {
        "filename": f"{title}.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": title,
        "category": "书证",
        "purpose": f"证明{title}",
    }
    headers = world.headers(who)
    ticket = client.post(f"{MP}/cases/{world.case.id}/evidence/uploads", json=body, headers=headers)
    assert ticket.status_code == 201, ticket.get_json()
    form = ticket.get_json()["upload"]
    target = urllib.parse.urlsplit(form["url"]).path
    sent = client.post(target, data={**form["fields"], form["file_field"]: (io.BytesIO(content), "x.pdf")})
    assert sent.status_code in (200, 201, 204), sent.get_data(as_text=True)
    evidence_id = ticket.get_json()["evidence_id"]
    first = client.post(f"{MP}/evidence/{evidence_id}/complete", headers=headers)
    assert first.status_code == 202, first.get_json()  # verifying: the job runs after the request
    done = client.post(f"{MP}/evidence/{evidence_id}/complete", headers=headers)  # decided
    assert done.status_code == 200 and done.get_json()["status"] == "stored", done.get_json()
    return evidence_id
