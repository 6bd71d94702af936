"""Delivery: into the recipient's inbox when they consented with a confirmed address, else held for a clerk.

The recipient's inbox is reached when the party has joined (has an account); their active lawyers see the
document too. Served at delivery when the recipient confirmed the address themselves (the consent was
recorded by their own account); when someone else recorded it (a clerk, a hotline operator), the document
is served only when the recipient first opens, downloads or acknowledges it.
"""

from __future__ import annotations

from sqlalchemy import select

from app.cases import Case, CaseConsent, CaseParty, timeline
from app.documents import chain as delivery_chain
from app.documents import consent_notice, consent_records, served_hooks
from app.documents import notify as delivery_notify
from app.documents import rules as documents_rules
from app.documents import states as delivery_states
from app.documents.chain import SYSTEM
from app.documents.models import ServedDocument, WorkItem
from app.extensions import db
from app.i18n import Message, label, message, render_data
from app.utils import clock

INBOX = "mini_program_inbox"
HOLD_REASONS = {
    "no_e_service_consent": "The recipient has not consented to electronic service (or withdrew it).",
    "address_not_confirmed": "The recipient's electronic service address is not confirmed.",
    "recipient_not_registered": "The recipient has no account yet, so no inbox can receive the document.",
}


def usable_consent(party: CaseParty) -> tuple[CaseConsent | None, str | None]:
    """The consent that allows e-service to this party now, or why there is none."""
    consent_records.carry_standing(party)  # a newer consent for all the user's cases counts here too
    consent = consent_records.latest(party)  # read with the recipient's other facts when a push prefetched them
    if consent is None or not consent.given or consent.withdrawn_at is not None:
        return None, "no_e_service_consent"
    if not consent.address_confirmed or not consent.address:
        return None, "address_not_confirmed"
    if party.user_id is None:
        return None, "recipient_not_registered"
    return consent, None


def route(document: ServedDocument, case: Case, party: CaseParty) -> None:
    """Record acceptance, then deliver the document or hold it with a clerk work item (the caller commits)."""
    consent, reason = usable_consent(party)
    routing = {"content_type": document.content_type, "routing": "hold" if consent is None else "deliver"}
    if reason:
        routing["hold_reason"] = reason
    delivery_chain.append(document, "accepted", actor=SYSTEM, data=routing)
    if consent is None:
        hold(document, case, reason or "no_e_service_consent", party)
    else:
        deliver(document, case, party, consent)


def deliver(document: ServedDocument, case: Case, party: CaseParty, consent: CaseConsent) -> None:
    """Put the document in the inbox (one `delivered` event), decide its legal effect and queue notices."""
    document.consent_id, document.service_address, document.channel = consent.id, consent.address, INBOX
    document.confirmed_by_recipient = consent.recorded_by is not None and consent.recorded_by == party.user_id
    was_held, document.hold_reason = document.status == "held", None
    data = {
        "channel": INBOX,
        "address": documents_rules.mask_address(consent.address),
        "consent_id": str(consent.id),
        "address_confirmed_by_recipient": document.confirmed_by_recipient,
    }
    delivery_states.apply(document, "deliver", actor=SYSTEM, data=data)
    timeline.record(
        case,
        "document.delivered",
        actor=None,
        actor_role="system",
        summary=message(
            "%(type)s《%(title)s》 delivered to the inbox",
            type=label("document.type", document.doc_type),
            title=document.title,
        ),
    )
    if document.served_at is not None:
        served(case, document)
    if was_held:
        close_work_items(document, outcome="delivered_electronically")
    delivery_notify.queue(document, party, purpose="delivery", consent=consent)  # the newest row


def served(case: Case, document: ServedDocument) -> None:
    """Put the moment of deemed service on the case timeline (once the document is served)."""
    assert document.served_at is not None  # both callers check it: a document just became served
    timeline.record(
        case,
        "document.served",
        actor=None,
        actor_role="system",
        summary=message(
            "《%(title)s》 deemed served: %(basis)s",
            title=document.title,
            basis=label("service.basis", document.served_basis or ""),
        ),
        data={"document_id": str(document.id), "served_at": document.served_at.isoformat()},
    )
    served_hooks.document_served(case, document)  # e.g. a served judgment moves the litigation to adjudicated


def hold(document: ServedDocument, case: Case, reason: str, party: CaseParty) -> None:
    """Keep the document out of any inbox, ask a clerk to serve it another way and the recipient to consent."""
    document.status, document.hold_reason = "held", reason
    open_work_item(document, "document_held", label("hold.reason", reason), {"hold_reason": reason})
    timeline.record(
        case,
        "document.held",
        actor=None,
        actor_role="system",
        summary=message("《%(title)s》 held: %(reason)s", title=document.title, reason=label("hold.reason", reason)),
    )
    consent_notice.invite(document, case, party, reason)


REASON_KEY = "reason_message"  # a work item's data: the catalogue message of its `reason` words (docs/i18n.md)


def open_work_item(document: ServedDocument, kind: str, reason: Message | str, data: dict) -> WorkItem | None:
    """Create the clerk's work item of this kind for the document unless it already exists (safe to repeat).

    `reason` is a catalogue message: the column keeps its Chinese, `data` keeps the message, and the clerk reads
    it in their language (`reason_in`).
    """
    existing = db.session.scalar(select(WorkItem).where(WorkItem.document_id == document.id, WorkItem.kind == kind))
    if existing is not None:
        return None
    item = WorkItem(
        court_id=document.court_id,
        case_id=document.case_id,
        document_id=document.id,
        kind=kind,
        reason=str(reason)[:500],
        data={
            "doc_type": document.doc_type,
            "title": document.title,
            **data,
            **({REASON_KEY: reason.to_data()} if isinstance(reason, Message) else {}),
        },
    )
    db.session.add(item)
    return item


def reason_in(item: WorkItem, language: str) -> str:
    """A work item's reason in a language: its message rendered, or the stored words (an item from before)."""
    return render_data((item.data or {}).get(REASON_KEY), language, item.reason)


def close_work_items(document: ServedDocument, *, outcome: str) -> None:
    """Resolve the document's open work items with this outcome (the system resolved them)."""
    query = select(WorkItem).where(WorkItem.document_id == document.id, WorkItem.status == "open")
    for item in db.session.scalars(query):
        item.status, item.outcome, item.resolved_at, item.resolved_by = "resolved", outcome, clock.now(), "system"


def retry_held(document: ServedDocument) -> bool:
    """Deliver a held document whose recipient has since consented; True when it was delivered."""
    party = db.session.get_one(CaseParty, document.recipient_party_id)
    consent, _reason = usable_consent(party)
    if consent is None or document.status != "held":
        return False
    deliver(document, db.session.get_one(Case, document.case_id), party, consent)
    return True


def lock(document_id: object, *, skip_locked: bool = False) -> ServedDocument | None:
    """The document row, locked for this transaction (events of one document are appended one at a time)."""
    return delivery_chain.lock_document(document_id, skip_locked=skip_locked)
