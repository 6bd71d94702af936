"""A decision served (documents' hook): the case becomes adjudicated, and each party's appeal period runs.

`app.documents.delivery.served` calls `on_document_served` (connected in app/wiring.py) in the transaction that
made the document served, so the case moves with the service that caused it. The appeal period of each party is
the served document's own deadline (app/documents/rules.py: 15 days for a judgment, 10 for a ruling, 30 for a
party without a domicile in China), counted by the deadline engine. Once every party has been served, the latest
end of their periods is kept on the decision (`appeal_ends_at`) for the legal-effect sweep (effect.py).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.cases import Case, CaseParty, lifecycle
from app.documents import ServedDocument
from app.documents import rules as documents_rules
from app.extensions import db
from app.legal import Deadline
from app.litigation import effect, rules, signals
from app.litigation.models import LitigationDecision
from app.utils import clock

UNCOVERED_RECHECK = dt.timedelta(days=1)


def on_document_served(case: Case, document: ServedDocument) -> None:
    """Adjudicate the case when the document served is its decision; settle a mediation statement served on all."""
    if case.kind != "litigation" or document.doc_type not in rules.SERVED_BY.values():
        return  # a summons, a notice ...: nothing to decide, and the case is not locked for it
    db.session.flush()  # keep what the caller changed: the refresh below reloads the case
    db.session.refresh(case, with_for_update=True)  # two parties served at once: one moves the case
    decision = db.session.scalar(
        select(LitigationDecision).where(LitigationDecision.case_id == case.id).with_for_update()
    )
    method = rules.method_for_document(document.doc_type, decision.closing_method if decision else None)
    if method is None:
        return
    if decision is None:
        if case.status not in rules.BEFORE_DECISION:
            return
        decision = LitigationDecision(
            case_id=case.id,
            closing_method=method,
            state="recorded",
            decided_at=document.served_at or clock.now(),
            decided_by=document.submitter,
        )
        db.session.add(decision)
    if decision.state == "recorded":
        if not lifecycle.allowed(case.kind, case.status, "adjudicated"):
            return  # e.g. withdrawn meanwhile: the document is served, the case does not move
        data = {"closing_method": method, "document_id": str(document.id)}
        lifecycle.transition(
            case,
            "adjudicated",
            actor=None,
            actor_role="system",
            event="litigation.adjudicated",
            reason=f"{documents_rules.DOC_TYPES[document.doc_type].label}《{document.title}》送达",
            data=data,
        )
        decision.state, decision.served_at = "served", document.served_at
        signals.announce(case, "litigation.adjudicated", actor=None, data=data)  # sent by the webhook sweep
    if decision.state != "served":
        return
    ends = appeal_end(case, decision)
    if method == "mediation":
        if ends is not None:  # every party has received the statement: it is in effect (CPL Art. 100)
            effect.make_effective(case, decision, effective_at=clock.now())
        return
    decision.appeal_ends_at = ends


def served_documents(case: Case, decision: LitigationDecision) -> dict[uuid.UUID, ServedDocument]:
    """Each party's first served document of the decision's type."""
    doc_type = rules.SERVED_BY[decision.closing_method]
    query = (
        select(ServedDocument)
        .where(
            ServedDocument.case_id == case.id,
            ServedDocument.doc_type == doc_type,
            ServedDocument.served_at.is_not(None),
        )
        .order_by(ServedDocument.served_at)
    )
    first: dict[uuid.UUID, ServedDocument] = {}
    for document in db.session.scalars(query):
        first.setdefault(document.recipient_party_id, document)
    return first


def party_deadlines(case: Case, decision: LitigationDecision) -> dict[uuid.UUID, Deadline | None]:
    """Every party's appeal deadline (None: not served yet)."""
    parties = db.session.scalars(select(CaseParty.id).where(CaseParty.case_id == case.id))
    documents = served_documents(case, decision)
    return {
        party_id: documents_rules.deadline_for(documents[party_id]) if party_id in documents else None
        for party_id in parties
    }


def appeal_end(case: Case, decision: LitigationDecision) -> dt.datetime | None:
    """When the last party's appeal period ends; None while a party is unserved.

    For a mediation statement (no appeal) any served party's "end" is its service: the result is the time the
    last party was served. When the calendar does not cover a last day yet, the earliest possible end is used
    (holidays only extend) and the sweep looks again a day later.
    """
    if decision.closing_method == "mediation":
        documents = served_documents(case, decision)
        parties = set(db.session.scalars(select(CaseParty.id).where(CaseParty.case_id == case.id)))
        if not parties or not parties <= set(documents):
            return None
        return max(document.served_at for document in documents.values() if document.served_at is not None)
    ends: list[dt.datetime] = []
    for deadline in party_deadlines(case, decision).values():
        if deadline is None:
            return None
        if deadline.ends_at is None:
            ends.append(max(deadline.earliest_ends_at, clock.now() + UNCOVERED_RECHECK))
        else:
            ends.append(deadline.ends_at)
    return max(ends) if ends else None
