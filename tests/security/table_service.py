"""Authorization rows for electronic service: court push and evidence, webhooks, work items, the inbox, verification.

The world gets a document served by the world court's system on the world case's applicant (the world's
citizen, who consented on the filing form): its recipient is the citizen; the court's clerk, judge and machine
client read its evidence. Work items come from a document held for the respondent, who never joined.

Pushing, uploads and webhooks sit behind the document-server gate: only clerks and court systems (of any
court) pass it, everyone else gets 403 before the body is read. The two push routes take multipart bodies,
which this table's JSON calls cannot send: the callers who pass the gate get 400 (Idempotency-Key missing) on the
single push and 422 (no `items` part) on the batch. Who may push for which case is proven with real multipart
bodies, principal by principal, in tests/api/service/test_push_authorization.py. Uploads and webhooks belong to
a court the caller serves documents for: any clerk or court system of any court may create them for its own
court (201). Work items and the webhook list are court routes: court staff see their own courts' (judges too),
everyone else is refused like on every other court route (403 court.not_staff).
"""

from __future__ import annotations

import io

from sqlalchemy import select

from app.cases.models import CaseParty
from app.documents import push as documents
from app.documents.models import WorkItem
from app.extensions import db
from app.security.permissions import Principal
from tests.security import world as world_module
from tests.security.routes import COURT, COURT_STAFF, MP, PUBLIC, USERS, Route
from tests.security.world import NONEXISTENT, World

EVERYONE = USERS | {"machine", "other_machine"}
COURT_READERS = frozenset({"clerk", "judge", "machine"})
SERVERS = frozenset({"clerk", "other_clerk", "machine", "other_machine"})
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _system(w: World) -> Principal:
    return Principal(
        kind="machine", subject="table-court-system", court_roles={w.court.id: frozenset({"court_system"})}
    )


def _push(w: World, party: CaseParty, title: str) -> dict:
    meta = {"case_id": w.case.id, "recipient_party_id": party.id, "doc_type": "notice", "title": title}
    content = PDF + title.encode()
    return documents.push(actor=_system(w), meta=meta, stream=io.BytesIO(content), submission_key=None)


def _party(w: World, joined: bool) -> CaseParty:
    query = select(CaseParty).where(CaseParty.case_id == w.case.id)
    return next(p for p in db.session.scalars(query) if (p.user_id is not None) == joined)


def _prepare(w: World) -> None:
    served = _push(w, _party(w, joined=True), "开庭通知")
    w.extra["served_document_id"] = served["document_id"]
    w.extra["verification_code"] = served["verification_code"]


def _fresh_served(w: World) -> str:
    return str(_push(w, _party(w, joined=True), "举证通知")["document_id"])


def _fresh_work_item(w: World) -> str:
    held = _push(w, _party(w, joined=False), "应诉通知")
    return str(db.session.scalar(select(WorkItem.id).where(WorkItem.document_id == held["document_id"])))


world_module.PREPARERS.append(_prepare)

ROUTES = [
    Route(
        "POST",
        f"{COURT}/documents",
        "any",
        SERVERS,
        special=dict.fromkeys(SERVERS, 400),
        gate="document_server",
    ),
    Route("POST", f"{COURT}/documents/batch", "any", frozenset(), body=lambda w: {}, gate="document_server"),
    Route(
        "POST",
        f"{COURT}/documents/uploads",
        "any",
        SERVERS,
        body=lambda w: {"content_type": "application/pdf", "size": 2048, "sha256": "ab" * 32},
        gate="document_server",
    ),
    Route(
        "GET",
        f"{COURT}/documents/<uuid:document_id>",
        "any",
        COURT_READERS,
        lambda w: f"/documents/{w.extra['served_document_id']}",
    ),
    Route(
        "GET",
        f"{COURT}/documents/<uuid:document_id>/certificate.pdf",
        "any",
        COURT_READERS,
        lambda w: f"/documents/{w.extra['served_document_id']}/certificate.pdf",
    ),
    Route(
        "POST",
        f"{COURT}/webhooks",
        "any",
        SERVERS,
        body=lambda w: {"url": "http://127.0.0.1:9/hooks/microcourt", "events": ["*"]},
        gate="document_server",
    ),
    Route("GET", f"{COURT}/webhooks", "any", COURT_STAFF),  # each sees its own court's; others are refused
    Route("GET", f"{COURT}/work-items", "any", COURT_STAFF),
    Route(
        "POST",
        f"{COURT}/work-items/<uuid:item_id>/resolve",
        "any",
        frozenset({"clerk", "machine"}),
        lambda w: f"/work-items/{_fresh_work_item(w)}/resolve",
        lambda w: {"outcome": "served_by_phone", "note": "已电话通知"},
        special={"judge": 403},
    ),
    Route("GET", f"{MP}/documents", "user", USERS),
    Route(
        "GET",
        f"{MP}/documents/<uuid:document_id>",
        "user",
        frozenset({"citizen"}),
        lambda w: f"/documents/{w.extra['served_document_id']}",
    ),
    Route(
        "GET",
        f"{MP}/documents/<uuid:document_id>/download",
        "user",
        frozenset({"citizen"}),
        lambda w: f"/documents/{w.extra['served_document_id']}/download",
    ),
    Route(
        "POST",
        f"{MP}/documents/<uuid:document_id>/acknowledge",
        "user",
        frozenset({"citizen"}),
        lambda w: f"/documents/{_fresh_served(w)}/acknowledge",
    ),
    Route(
        "GET",
        f"{PUBLIC}/verify/<string:verification_code>",
        "public",
        public_status=200,
        path=lambda w: f"/verify/{w.extra['verification_code']}",
    ),
]

NONEXISTENT_PATHS = {
    f"{COURT}/documents/<uuid:document_id>": f"/documents/{NONEXISTENT}",
    f"{COURT}/documents/<uuid:document_id>/certificate.pdf": f"/documents/{NONEXISTENT}/certificate.pdf",
    f"{COURT}/work-items/<uuid:item_id>/resolve": f"/work-items/{NONEXISTENT}/resolve",
    f"{MP}/documents/<uuid:document_id>": f"/documents/{NONEXISTENT}",
    f"{MP}/documents/<uuid:document_id>/download": f"/documents/{NONEXISTENT}/download",
    f"{MP}/documents/<uuid:document_id>/acknowledge": f"/documents/{NONEXISTENT}/acknowledge",
    f"{PUBLIC}/verify/<string:verification_code>": "/verify/ABCDEFGHJKLMNPRSTVWX",
}
