"""What a requester's case file holds, decided at request time with the requester's own permissions.

The evidence comes from the evidence catalogue exactly as the requester sees it (app.evidence: their side's items,
and other parties' items once submitted; the court sees every submitted item), stored items only. Served
documents follow the documents domain's rule (app.documents.queries.visible_count): the court's staff get every
document of the case, a party and their lawyer those delivered to their party. Each delivered document brings its
service certificate (电子送达凭证, masked), and the case's timeline is written as read at build time.
Other domains' materials (the frozen minutes, 笔录, of the case's sessions) come from the providers registered in
app.casefile.providers, listed under the provider's name ("minutes").
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select

from app.casefile import providers
from app.cases import Case, CaseParty, timeline
from app.cases import access as case_access
from app.documents import ServedDocument
from app.evidence import catalogue as evidence_catalogue
from app.extensions import db
from app.i18n import mark
from app.identity import Court
from app.integrations import pdf
from app.security import permissions
from app.security.permissions import CaseFacts, Principal

PAGE = 100


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def manifest(case: Case, facts: CaseFacts, *, actor: Principal, full: bool) -> dict:
    """The evidence and documents this requester may have in the archive, and the state that fingerprints it."""
    roles = {
        party.id: party.role for party in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))
    }
    mine = permissions.parties_of(actor, facts)
    evidence = []
    cursor: str | None = None
    while True:
        page = evidence_catalogue.list_catalogue(case_id=case.id, actor=actor, cursor=cursor, limit=PAGE)
        for item in page.items:
            if item.status != "stored" or not item.object_key:
                continue
            evidence.append(
                {
                    "id": str(item.id),
                    "key": item.object_key,
                    "title": item.title,
                    "filename": item.filename,
                    "party_role": roles.get(item.party_id, ""),
                    "own_side": item.party_id in mine,
                    "submitted_at": _iso(item.submitted_at),
                    "stored_at": _iso(item.stored_at),
                    "sha256": item.declared_sha256,
                }
            )
        cursor = page.next_cursor
        if cursor is None:
            break
    query = select(ServedDocument).where(ServedDocument.case_id == case.id, ServedDocument.storage_key.is_not(None))
    if not full:
        query = query.where(
            ServedDocument.recipient_party_id.in_(mine or {uuid.UUID(int=0)}), ServedDocument.delivered_at.is_not(None)
        )
    documents = [
        {
            "id": str(document.id),
            "key": document.storage_key,
            "title": document.title,
            "content_type": document.content_type,
            "status": document.status,
            "delivered": document.delivered_at is not None,
            "delivered_at": _iso(document.delivered_at),
            "party_role": roles.get(document.recipient_party_id, ""),
            "sha256": document.sha256,
            "updated_at": _iso(document.updated_at),
        }
        for document in db.session.scalars(query.order_by(ServedDocument.created_at, ServedDocument.id))
    ]
    events = timeline.events_for(case)
    return {
        "case_id": str(case.id),
        "full": full,
        "evidence": evidence,
        "documents": documents,
        **providers.items(case, actor),  # e.g. "minutes": the frozen minutes (笔录), from app.video
        "timeline": {"count": len(events), "last": str(events[-1].id) if events else None},
        "case": {"status": case.status, "number": case.case_number},
    }


def fingerprint(content: dict) -> str:
    """The SHA-256 of the manifest: any change to what the archive must hold changes it."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def request_facts(case_id: uuid.UUID, *, actor: Principal, full: bool) -> tuple[Case, CaseFacts]:
    """The case if the caller may have its file: a party or their lawyer, or (full) the staff of its court."""
    case, facts = case_access.load(case_id, actor=actor)
    if full:
        allowed = facts.court_id is not None and permissions.is_court_staff(actor, facts.court_id)
    else:
        allowed = bool(permissions.parties_of(actor, facts))
    if not allowed:
        raise case_access.not_found()
    return case, facts


def court_label(case: Case) -> str:
    """The court's name (or the organisation's case) for the index."""
    court = db.session.get(Court, case.court_id) if case.court_id else None
    return court.name if court is not None else pdf.words(mark("pdf", "mediation organisation"))
