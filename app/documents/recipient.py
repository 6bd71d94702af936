"""Recipients: the inbox, reading (records `opened`), downloading (records `downloaded`), acknowledging (签收).

Only the recipient party's own account and their active lawyers may do these; for anyone else the document
does not exist (404) and nothing is written. Each legal act writes exactly one event; an act the state does
not allow (a held document, a second acknowledgement) is a 409 and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, union

from app.audit import log as audit
from app.cases import Case, CaseAgent, CaseParty, timeline
from app.documents import chain as delivery_chain
from app.documents import delivery
from app.documents import outbox as delivery_outbox
from app.documents import rules as documents_rules
from app.documents import states as delivery_states
from app.documents.chain import Actor
from app.documents.models import DeliveryEvent, ServedDocument
from app.errors import NotFound
from app.extensions import db, storage
from app.i18n import message
from app.identity import Court
from app.legal import calendar
from app.platform import settings
from app.platform.pagination import Page, newest_first
from app.security import permissions
from app.security.permissions import Principal
from app.webhooks import WebhookSubscription
from app.webhooks import deliveries as webhooks


def not_found() -> NotFound:
    """The one answer for unknown and not-yours documents."""
    return NotFound("No such document.", reason="document.not_found")


def relation_to(document: ServedDocument, actor: Principal, *, party_user_id: object = False) -> str | None:
    """'recipient' (the party's own account), 'agent' (their active lawyer) or None. `party_user_id`: the
    recipient party's account when the caller has read it (None: not joined), else it is read."""
    if not permissions.is_user(actor):
        return None
    if party_user_id is False:
        party = db.session.get(CaseParty, document.recipient_party_id)
        party_user_id = party.user_id if party is not None else None
    if party_user_id is not None and party_user_id == actor.user_id:
        return "recipient"
    agent = db.session.scalar(
        select(CaseAgent.id).where(
            CaseAgent.party_id == document.recipient_party_id,
            CaseAgent.lawyer_user_id == actor.user_id,
            CaseAgent.status == "active",
        )
    )
    return "agent" if agent is not None else None


# Built once per process with bound parameters (building a three-entity SELECT per call cost about as much CPU as
# running it): the document's case, its court and the recipient party's account; with them the holiday calendar's
# version (the answer's deadline then reads nothing: app/legal/calendar.py) and the court's active webhook
# subscriptions, one row each (the act's webhook rows then read nothing: app/webhooks/deliveries.py `share`).
_CASE_COURT_ACCOUNT = (
    select(Case, Court, CaseParty.user_id, calendar.version_column(), WebhookSubscription)
    .select_from(Case)
    .outerjoin(Court, Court.id == bindparam("court_id"))
    .outerjoin(CaseParty, CaseParty.id == bindparam("party_id"))
    .outerjoin(WebhookSubscription, webhooks.active_on(bindparam("court_id")))
    .where(Case.id == bindparam("case_id"))
)
# An act whose answer lists the events (open, acknowledge): the same, read by the statement that locks the document
# with its events (app/documents/chain.py `locked_rows`: FOR UPDATE OF the document only), one statement instead of
# two (issue 18). One row per event and active subscription, in chain order. Read in the snapshot the lock's
# statement began with, not after the lock was granted: the case's id and kind, the court's name and the party's
# account do not move with the document's chain (a served decision's hook locks and refreshes the case itself).
_LOCK_CASE_COURT_ACCOUNT = (
    select(
        ServedDocument,
        DeliveryEvent.seq,
        DeliveryEvent.type,
        DeliveryEvent.at,
        Case,
        Court,
        CaseParty.user_id,
        calendar.version_column(),
        WebhookSubscription,
    )
    .select_from(ServedDocument)
    .outerjoin(DeliveryEvent, DeliveryEvent.document_id == ServedDocument.id)
    .outerjoin(Case, Case.id == ServedDocument.case_id)
    .outerjoin(Court, Court.id == ServedDocument.court_id)
    .outerjoin(CaseParty, CaseParty.id == ServedDocument.recipient_party_id)
    .outerjoin(WebhookSubscription, webhooks.active_on(ServedDocument.court_id))
    .where(ServedDocument.id == bindparam("document_id"))
    .order_by(DeliveryEvent.seq)
    .with_for_update(of=ServedDocument)
    .execution_options(populate_existing=True)
)


def _load(
    document_id: uuid.UUID, actor: Principal, events: list[delivery_chain.Timed] | None = None
) -> tuple[ServedDocument, str, Case, Court | None]:
    """The document under its row lock, if the caller receives it; otherwise 404 with nothing written. With it
    its case and court, read in the statement that reads the recipient party's account (issue 18); with `events`
    (gets the document's events, for an answer that lists them) all of it in the statement that locks it."""
    relation, case, court = None, None, None
    if events is None:
        document = delivery.lock(document_id)
        if document is not None:
            params = {
                "case_id": document.case_id,
                "court_id": document.court_id,
                "party_id": document.recipient_party_id,
            }
            read: Sequence[Any] = db.session.execute(_CASE_COURT_ACCOUNT, params).all()  # 1 row or more
            case, court, party_user_id, version = read[0][0], read[0][1], read[0][2], read[0][3]
            subscriptions = [row[4] for row in read]
    else:
        locked: Sequence[Any] = delivery_chain.locked_rows(_LOCK_CASE_COURT_ACCOUNT, {"document_id": document_id})
        document = locked[0][0] if locked else None
        if document is not None:
            events.extend(delivery_chain.listed(locked))
            case, court, party_user_id, version = locked[0][4], locked[0][5], locked[0][6], locked[0][7]
            subscriptions = [row[8] for row in locked]
    if document is not None:
        calendar.saw_version(version)
        webhooks.share([document.court_id], subscriptions)
        relation = relation_to(document, actor, party_user_id=party_user_id)
    if document is None or relation is None or case is None:
        db.session.rollback()
        raise not_found()
    return document, relation, case, court


def inbox(*, actor: Principal, cursor: str | None, limit: int | None) -> Page:
    """Documents delivered to the caller's parties or to parties they act for, newest first."""
    if not permissions.is_user(actor):
        return Page(items=[], next_cursor=None)
    parties = union(
        select(CaseParty.id).where(CaseParty.user_id == actor.user_id),
        select(CaseAgent.party_id).where(CaseAgent.lawyer_user_id == actor.user_id, CaseAgent.status == "active"),
    )
    query = select(ServedDocument).where(
        ServedDocument.recipient_party_id.in_(parties), ServedDocument.delivered_at.is_not(None)
    )
    page = newest_first(
        query, at_column=ServedDocument.delivered_at, id_column=ServedDocument.id, cursor=cursor, limit=limit
    )
    return Page(items=[summary_view(document) for document in page.items], next_cursor=page.next_cursor)


def open_document(*, document_id: uuid.UUID, actor: Principal) -> dict:
    """The document's details; records `opened` (and deemed service, if this is what serves it)."""
    events: list[delivery_chain.Timed] = []
    document, relation, case, court = _load(document_id, actor, events)
    return _act(document, "open", actor=actor, relation=relation, case=case, court=court, answer=events)


def download(*, document_id: uuid.UUID, actor: Principal) -> dict:
    """A short-lived download link; records `downloaded`."""
    document, relation, case, court = _load(document_id, actor)
    if not delivery_states.allowed("download", document.status):
        raise delivery_states.illegal(document, "download")
    expires = settings.storage().download_url_expires_seconds
    extension = documents_rules.EXTENSIONS.get(document.content_type or "", "pdf")
    url = storage.download_url(
        document.storage_key,
        filename=f"{document.title}.{extension}",
        content_type=document.content_type,
        expires_in=expires,
    )
    _act(document, "download", actor=actor, relation=relation, case=case, court=court)
    return {"download_url": url, "expires_in": expires, "sha256": document.sha256, "size": document.size}


def acknowledge(*, document_id: uuid.UUID, actor: Principal) -> dict:
    """签收: the recipient (or their lawyer) acknowledges receipt; only once."""
    events: list[delivery_chain.Timed] = []
    document, relation, case, court = _load(document_id, actor, events)
    return _act(document, "acknowledge", actor=actor, relation=relation, case=case, court=court, answer=events)


def _act(
    document: ServedDocument,
    action: str,
    *,
    actor: Principal,
    relation: str,
    case: Case,
    court: Court | None,
    answer: list[delivery_chain.Timed] | None = None,
) -> dict:
    """Record the act and commit; with `answer` (the document's events read with its lock), the detail view, built
    before the COMMIT from the rows in hand (issue 18: nothing is read again after it)."""
    was_served = document.served_at is not None
    event = delivery_states.apply(document, action, actor=Actor.of(actor, relation), data={})
    if not was_served and document.served_at is not None:
        delivery.served(case, document)
    # On PostgreSQL the document's UPDATE writes the act's event, the timeline entry and the audit append in one
    # statement (app/documents/combined.py; the append only with the document's row: app/audit/log.py `carrying`).
    if action == "acknowledge":
        timeline.record(
            case,
            "document.acknowledged",
            actor=actor,
            actor_role=relation,
            summary=(
                message("《%(title)s》 acknowledged by the recipient", title=document.title)
                if relation == "recipient"
                else message("《%(title)s》 acknowledged by the recipient's lawyer", title=document.title)
            ),
        )
    audit.record_carried(
        f"document.{action}",
        actor=actor,
        object_type="served_document",
        object_id=document.id,
        details={"as": relation},
    )
    if answer is not None:
        events = delivery_chain.whole_chain(document, [*answer, event])
        view = detail_view(document, relation=relation, case=case, court=court, events=events)
    else:
        view = {}
    delivery_outbox.commit()
    return view


def _case_and_court(document: ServedDocument) -> tuple[Case, Court | None]:
    """The document's case and court in one statement (the case is a foreign key)."""
    row = db.session.execute(
        select(Case, Court).outerjoin(Court, Court.id == document.court_id).where(Case.id == document.case_id)
    ).one()
    return row[0], row[1]


def summary_view(document: ServedDocument) -> dict:
    """A document in the inbox."""
    return {
        "id": document.id,
        "case_id": document.case_id,
        "doc_type": document.doc_type,
        "doc_type_label": documents_rules.DOC_TYPES[document.doc_type].label,
        "title": document.title,
        "status": document.status,
        "delivered_at": document.delivered_at,
        "served_at": document.served_at,
        "acknowledged_at": document.acknowledged_at,
    }


def detail_view(
    document: ServedDocument,
    *,
    relation: str,
    case: Case | None = None,
    court: Court | None = None,
    events: Sequence[delivery_chain.Timed] | None = None,
) -> dict:
    """The document as its recipient sees it: state, legal effect, deadline with explanation, event times
    (`events`: the document's whole chain when the caller holds it)."""
    if case is None:
        case, court = _case_and_court(document)
    if events is None:
        events = delivery_chain.events_of(document.id)
    return {
        **summary_view(document),
        "case_number": case.case_number if case else None,
        "court": {"id": court.id, "name": court.name, "code": court.code} if court else None,
        "sha256": document.sha256,
        "size": document.size,
        "content_type": document.content_type,
        "served_basis": document.served_basis,
        "deadline": documents_rules.deadline_of(document),
        "my_relation": relation,
        "events": [{"seq": event.seq, "type": event.type, "at": event.at} for event in events],
    }
