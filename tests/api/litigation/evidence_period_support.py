"""Helpers for evidence-period tests: an accepted litigation case whose two parties joined and consented to
e-service (so every notice is served at once), and evidence uploaded over HTTP as a phone does it."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import urllib.parse

from sqlalchemy import select

from app.cases import review
from app.cases.models import Case, CaseParty
from app.extensions import db
from tests.api.service.support import consent
from tests.support.factories import grant, login, machine_headers, make_court, make_user
from tests.support.review import litigation, principal

COURT, MP = "/api/court/v1", "/api/mp/v1"
PDF = b"%PDF-1.4\n1 0 obj <</Type/Page>> endobj\nstartxref\n0\n%%EOF\n"


@dataclasses.dataclass
class Accepted:
    """A court (clerk, judge, its machine client), an accepted case, the plaintiff and defendant joined."""

    court: object
    case: Case
    plaintiff: CaseParty
    defendant: CaseParty
    people: dict

    def headers(self, who: str, key: str | None = None) -> dict:
        """Fresh login headers (or the court system's), with an Idempotency-Key when given."""
        base = machine_headers(self.court) if who == "machine" else login(self.people[who])
        return {**base, "Idempotency-Key": key} if key else base

    def principal(self, who: str):
        """The principal of one of the people."""
        return principal(self.people[who])


def accepted_case() -> Accepted:
    """Filed, accepted by the clerk, both parties joined with e-service consent."""
    court = make_court()
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
    people = {"clerk": clerk, "judge": judge, "plaintiff": filer, "defendant": defendant_user}
    return Accepted(
        court=court, case=db.session.get_one(Case, case.id), plaintiff=plaintiff, defendant=defendant, people=people
    )


def declaration(title: str, content: bytes = PDF, **extra: object) -> dict:
    """What the phone declares before uploading."""
    return {
        "filename": f"{title}.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": title,
        "category": "书证",
        "purpose": f"证明{title}",
        **extra,
    }


def upload(client, case_id, headers: dict, title: str, *, submit: bool = True, **extra: object) -> dict:
    """Declare, post the file to the signed form, complete, and (by default) submit; the item as last answered."""
    content = PDF + title.encode()
    ticket = client.post(
        f"{MP}/cases/{case_id}/evidence/uploads", json=declaration(title, content, **extra), headers=headers
    )
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
    if not submit:
        return done.get_json()
    shared = client.post(f"{MP}/evidence/{evidence_id}/submit", headers=headers)
    assert shared.status_code == 200, shared.get_json()
    return shared.get_json()
