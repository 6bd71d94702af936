"""Authorization rows for evidence: uploads, the catalogue, verification, reading, exchange, deletion, 质证.

The rows use a mediation case of their own (made on first use and kept in `world.extra["evidence"]`, so the
world's case stays as other tables expect): filed by the world's citizen (the applicant) at the world's court
and organisation, with the world's lawyer acting for the respondent and the world's mediator assigned. Routes
that change an item (complete, submit, delete) get a new item of the citizen's for every call.

- drafts (a pending upload with its file in the store, a stored but unsubmitted item) are the citizen's alone:
  everyone else gets 404, as for an item that does not exist;
- a submitted item is read by the parties' side (citizen, lawyer), the mediator and the court (clerk, judge);
  the organisation's admin reads the case but not its evidence (403 on the catalogue, 404 on an item);
- only a party's side adds evidence: the mediator, clerk, judge and org admin see the case but get 403;
- opinions (质证) come from the other side only: the lawyer (for the respondent) may; the citizen (the item's
  owner), the mediator, clerk and judge get 403.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.cases.models import CaseAgent, CaseParty
from app.evidence import catalogue as evidence_catalogue
from app.evidence import complete as evidence_complete
from app.evidence import uploads as evidence_uploads
from app.evidence.models import EvidenceItem
from app.extensions import db, storage
from app.identity import login_sessions as sessions
from tests.security.routes import MP, Route
from tests.security.world import NONEXISTENT, World
from tests.support.cases import file_case
from tests.support.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj <</Type/Page>> endobj\nstartxref\n0\n%%EOF\n"
CITIZEN = frozenset({"citizen"})
SIDES = frozenset({"citizen", "lawyer"})
READERS = frozenset({"citizen", "lawyer", "mediator", "clerk", "judge"})
CASE_ONLY = {"mediator": 403, "clerk": 403, "judge": 403, "org_admin": 403}


def _declaration(title: str) -> dict:
    return {
        "filename": f"{title}.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "title": title,
        "category": "书证",
        "purpose": "证明借款事实",
    }


def _setup(w: World) -> dict:
    """The evidence case and its items: pending (uploaded, not completed), draft (stored) and submitted."""
    if "evidence" in w.extra:
        return w.extra["evidence"]
    case = file_case(w.people["citizen"], court=w.court, org=w.org)
    respondent = db.session.scalar(
        select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "respondent")
    )
    respondent.user_id = make_user().id
    db.session.add(
        CaseAgent(
            case_id=case.id,
            party_id=respondent.id,
            lawyer_user_id=w.people["lawyer"].id,
            authority="general",
            status="active",
        )
    )
    case.mediator_user_id = w.people["mediator"].id
    db.session.commit()
    w.extra["evidence"] = {"case": case.id}
    w.extra["evidence"]["submitted"] = _new_item(w, "submitted")
    return w.extra["evidence"]


def _new_item(w: World, state: str) -> object:
    """A new item of the citizen's in the evidence case: "pending" (uploaded), "draft" or "submitted"."""
    citizen = sessions.load_principal(w.people["citizen"])
    case_id = _setup(w)["case"]
    ticket = evidence_uploads.request_upload(case_id=case_id, data=_declaration(state), actor=citizen)
    storage.put(db.session.get(EvidenceItem, ticket.evidence_id).upload_key, PDF, content_type="application/pdf")
    if state != "pending":
        assert evidence_complete.complete(evidence_id=ticket.evidence_id, actor=citizen).status == "verifying"
        assert db.session.get(EvidenceItem, ticket.evidence_id).status == "stored"  # the job ran after it (eager)
    if state == "submitted":
        evidence_catalogue.submit(evidence_id=ticket.evidence_id, actor=citizen)
    return ticket.evidence_id


def _case(suffix: str = ""):
    return lambda w: f"/cases/{_setup(w)['case']}/evidence{suffix}"


def _item(state: str, suffix: str = ""):
    """The shared submitted item, or a new pending/draft item for each call (one principal's call cannot
    submit, complete or delete the item the next principal is asked about)."""
    if state == "submitted":
        return lambda w: f"/evidence/{_setup(w)['submitted']}{suffix}"
    return lambda w: f"/evidence/{_new_item(w, state)}{suffix}"


ROUTES: list[Route] = [
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/evidence/uploads",
        "user",
        SIDES,
        _case("/uploads"),
        lambda w: _declaration("新证据"),
        special=CASE_ONLY,
    ),
    Route("GET", f"{MP}/cases/<uuid:case_id>/evidence", "user", READERS, _case(), special={"org_admin": 403}),
    Route("POST", f"{MP}/evidence/<uuid:evidence_id>/complete", "user", CITIZEN, _item("pending", "/complete")),
    Route("GET", f"{MP}/evidence/<uuid:evidence_id>", "user", READERS, _item("submitted")),
    Route("POST", f"{MP}/evidence/<uuid:evidence_id>/submit", "user", CITIZEN, _item("draft", "/submit")),
    Route("DELETE", f"{MP}/evidence/<uuid:evidence_id>", "user", CITIZEN, _item("draft")),
    Route(
        "POST",
        f"{MP}/evidence/<uuid:evidence_id>/opinions",
        "user",
        frozenset({"lawyer"}),
        _item("submitted", "/opinions"),
        lambda w: {"authenticity": "admitted", "legality": "admitted", "relevance": "admitted"},
        special={"citizen": 403, "mediator": 403, "clerk": 403, "judge": 403},
    ),
]

NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>/evidence/uploads": f"/cases/{NONEXISTENT}/evidence/uploads",
    f"{MP}/cases/<uuid:case_id>/evidence": f"/cases/{NONEXISTENT}/evidence",
    f"{MP}/evidence/<uuid:evidence_id>": f"/evidence/{NONEXISTENT}",
    f"{MP}/evidence/<uuid:evidence_id>/complete": f"/evidence/{NONEXISTENT}/complete",
    f"{MP}/evidence/<uuid:evidence_id>/submit": f"/evidence/{NONEXISTENT}/submit",
    f"{MP}/evidence/<uuid:evidence_id>/opinions": f"/evidence/{NONEXISTENT}/opinions",
}
