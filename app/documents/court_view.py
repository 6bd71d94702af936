"""The court's view of a served document: every event with its hashes, notifications, legal effect, deadline."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.cases import Case, CaseParty
from app.documents import chain as delivery_chain
from app.documents import rules as documents_rules
from app.documents.models import DocumentNotification, ServedDocument, WorkItem
from app.documents.recipient import not_found
from app.extensions import db
from app.platform import settings
from app.security import permissions, pii
from app.security.permissions import Principal


def load_for_court(document_id: uuid.UUID, *, actor: Principal) -> ServedDocument:
    """The document if the caller is staff (or the system) of its court; otherwise 404."""
    document = db.session.get(ServedDocument, document_id)
    if document is None or not permissions.is_court_staff(actor, document.court_id):
        raise not_found()
    return document


def court_detail(*, document_id: uuid.UUID, actor: Principal) -> dict:
    """Everything a court needs as evidence of service."""
    document = load_for_court(document_id, actor=actor)
    return describe(document)


def verify_url(code: str) -> str:
    """The public URL that confirms a certificate."""
    return f"{settings.http().public_base_url.rstrip('/')}/api/public/v1/verify/{code}"


def recipient_of(document: ServedDocument) -> dict:
    """The recipient party, masked as on a certificate."""
    party = db.session.get(CaseParty, document.recipient_party_id)
    phone = pii.decrypt(party.phone_enc, field="phone") if party and party.phone_enc else None
    return {
        "party_id": document.recipient_party_id,
        "role": party.role if party else None,
        "name": pii.mask_name(party.name) if party else None,
        "phone": pii.mask_phone(phone),
    }


def describe(document: ServedDocument) -> dict:
    """The court's view of a document (also the data of its certificate)."""
    case = db.session.get(Case, document.case_id)
    events = delivery_chain.events_of(document.id)
    broken = delivery_chain.verify_document(document, events)
    notes = db.session.scalars(
        select(DocumentNotification)
        .where(DocumentNotification.document_id == document.id)
        .order_by(DocumentNotification.created_at, DocumentNotification.id)
    )
    items = db.session.scalars(select(WorkItem).where(WorkItem.document_id == document.id))
    return {
        "id": document.id,
        "court_id": document.court_id,
        "case_id": document.case_id,
        "case_number": case.case_number if case else None,
        "recipient": recipient_of(document),
        "doc_type": document.doc_type,
        "doc_type_label": documents_rules.DOC_TYPES[document.doc_type].label,
        "title": document.title,
        "status": document.status,
        "sha256": document.sha256,
        "size": document.size,
        "content_type": document.content_type,
        "submitted_by": document.submitter,
        "rejection_reason": document.rejection_reason,
        "hold_reason": document.hold_reason,
        "channel": document.channel if document.delivered_at else None,
        "service_address": documents_rules.mask_address(document.service_address),
        "address_confirmed_by_recipient": document.confirmed_by_recipient,
        "delivered_at": document.delivered_at,
        "first_opened_at": document.first_opened_at,
        "acknowledged_at": document.acknowledged_at,
        "served_at": document.served_at,
        "served_basis": document.served_basis,
        "reminded_at": document.reminded_at,
        "expired_at": document.expired_at,
        "failed_at": document.failed_at,
        "deadline": documents_rules.deadline_of(document),
        "verification_code": document.verification_code,
        "verify_url": verify_url(document.verification_code),
        "chain": {
            "valid": broken is None,
            "problem": broken.describe() if broken else None,
            "head": document.head_hash,
        },
        "events": [_event_view(event) for event in events],
        "notifications": [_note_view(note) for note in notes],
        "work_items": [{"id": item.id, "kind": item.kind, "status": item.status} for item in items],
    }


def _event_view(event: object) -> dict:
    return {
        name: getattr(event, name)
        for name in ("seq", "type", "at", "actor_kind", "actor_id", "actor_role", "data", "prev_hash", "hash")
    }


def _note_view(note: DocumentNotification) -> dict:
    return {
        name: getattr(note, name)
        for name in (
            "audience",
            "purpose",
            "channel",
            "status",
            "provider",
            "provider_message_id",
            "error",
            "created_at",
        )
    }
