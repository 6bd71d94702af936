"""The electronic service certificate (电子送达凭证) and its public verification, without personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case
from app.documents import chain as delivery_chain
from app.documents import court_view as documents_court
from app.documents import other_service
from app.documents import rules as documents_rules
from app.documents.models import ServedDocument
from app.errors import NotFound
from app.extensions import db
from app.i18n import Message, label, mark
from app.identity import Court
from app.integrations import pdf
from app.security.permissions import Principal
from app.utils import clock

# Each fixed text of the certificate is a catalogue entry (context "pdf", English msgid), rendered in Chinese by
# `pdf.words`: the certificate is a court document (docs/i18n.md). The tables hold the English msgids.
EVENT_LABELS = {
    "submitted": mark("pdf", "submitted by the court"),
    "accepted": mark("pdf", "accepted by the platform"),
    "rejected": mark("pdf", "refused by the platform"),
    "delivered": mark("pdf", "delivered to the recipient's system"),
    "notified": mark("pdf", "notification sent"),
    "notification_failed": mark("pdf", "notification failed"),
    "opened": mark("pdf", "document viewed"),
    "downloaded": mark("pdf", "document downloaded"),
    "acknowledged": mark("pdf", "receipt acknowledged"),
    "expired": mark("pdf", "not viewed in time"),
    "failed": mark("pdf", "electronic service ended"),
    "served_otherwise": mark("pdf", "served by another method"),
}
STATUS_LABELS = {
    "accepted": mark("pdf", "accepted"),
    "rejected": mark("pdf", "refused"),
    "held": mark("pdf", "service held (the service address awaits confirmation)"),
    "delivered": mark("pdf", "delivered"),
    "opened": mark("pdf", "viewed"),
    "acknowledged": mark("pdf", "acknowledged"),
    "expired": mark("pdf", "not viewed in time (served by another method)"),
    "failed": mark("pdf", "electronic service ended (served by another method)"),
}
ROLE_LABELS = pdf.PARTY_ROLES
ADDRESS_LABELS = {"mini-program inbox": mark("pdf", "the recipient's Micro Court mini-program account")}
CHANNEL_LABELS = {
    "mini_program_inbox": mark("pdf", "Micro Court mini-program service inbox"),
    "sms": mark("pdf", "SMS"),
    "wechat": mark("pdf", "WeChat subscribe message"),
    "email": mark("pdf", "e-mail"),
}
AGENT, RECIPIENT = mark("pdf", "agent (lawyer)"), mark("pdf", "recipient")


def _label(table: dict[str, str], code: str, fallback: str) -> str:
    """A code's words on the certificate (Chinese), or the fallback as it is when the table does not know it."""
    return pdf.words(table[code]) if code in table else fallback


def _local(at: dt.datetime | None) -> str:
    return at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if at else "—"


def certificate_pdf(*, document_id: uuid.UUID, actor: Principal) -> bytes:
    """The certificate of one document as PDF, for staff of its court."""
    document = documents_court.load_for_court(document_id, actor=actor)
    body = pdf.render_service_certificate(certificate_data(document))
    audit.record_now("document.certificate_issued", actor=actor, object_type="served_document", object_id=document.id)
    return body


def certificate_data(document: ServedDocument) -> pdf.CertificateData:
    """What the certificate says, masked: court, case, document, recipient, channel, events, digest, code."""
    view = documents_court.describe(document)
    court = db.session.get(Court, document.court_id)
    recipient = view["recipient"]
    role = pdf.party_role(recipient["role"])
    who = pdf.words(mark("pdf", "%(name)s (%(role)s)"), name=recipient["name"] or "—", role=role)
    if recipient["phone"]:
        who += pdf.words(mark("pdf", " mobile %(phone)s"), phone=recipient["phone"])
    doc_type = label("document.type", document.doc_type)
    fields = [
        (
            pdf.words(mark("pdf", "Court")),
            pdf.words(mark("pdf", "%(name)s (%(code)s)"), name=court.name, code=court.code) if court else "—",
        ),
        (pdf.words(mark("pdf", "Case number")), view["case_number"] or "—"),
        (
            pdf.words(mark("pdf", "Document")),
            pdf.words(
                mark("pdf", '%(doc_type)s "%(title)s"'),
                doc_type=_words(doc_type, view["doc_type_label"]),
                title=document.title,
            ),
        ),
        (pdf.words(mark("pdf", "Recipient")), who),
        (pdf.words(mark("pdf", "Method of service")), _method(document)),
        (
            pdf.words(mark("pdf", "Service address")),
            _label(ADDRESS_LABELS, view["service_address"] or "", view["service_address"] or "—"),
        ),
        (pdf.words(mark("pdf", "Service status")), _label(STATUS_LABELS, document.status, document.status)),
        (pdf.words(mark("pdf", "Deemed served at")), _local(document.served_at) + _basis(document)),
    ]
    events = [(_local(event["at"]), pdf.words(EVENT_LABELS[event["type"]]), _detail(event)) for event in view["events"]]
    if view["chain"]["valid"]:
        chain = pdf.words(mark("pdf", "intact"))
    else:
        chain = pdf.words(mark("pdf", "broken: %(problem)s"), problem=view["chain"]["problem"] or "")
    heading = pdf.words(mark("pdf", "Electronic service certificate"))
    return pdf.CertificateData(
        heading=heading,
        fields=fields,
        events=events,
        sha256=document.sha256,
        verification_code=document.verification_code,
        verify_url=view["verify_url"],
        footer=pdf.words(
            mark(
                "pdf",
                "Issued at %(at)s (Beijing time). Hash chain of the service record: %(chain)s. This certificate was "
                "generated automatically by the Micro Court platform from the server's records.",
            ),
            at=_local(clock.now()),
            chain=chain,
        ),
    )


def _words(value: object, fallback: str) -> str:
    """A label's words in the documents' language (a code no table knows stays the fallback)."""
    return value.render(pdf.DOCUMENT_LANGUAGE) if isinstance(value, Message) else fallback


def _method(document: ServedDocument) -> str:
    """The channel of electronic delivery, or the other means the court recorded (its basis then)."""
    if document.served_basis in other_service.METHODS:
        method = label("service.method", document.served_basis)
        return _words(method, other_service.METHODS[document.served_basis].label)
    return _label(CHANNEL_LABELS, document.channel, document.channel) if document.delivered_at else "—"


def _basis(document: ServedDocument) -> str:
    if not document.served_basis:
        return ""
    basis = _words(label("service.basis", document.served_basis), documents_rules.BASIS_LABELS[document.served_basis])
    return pdf.words(mark("pdf", " (%(basis)s)"), basis=basis)


def _detail(event: dict) -> str:
    data = event["data"] or {}
    if event["type"] in ("notified", "notification_failed"):
        channel = _label(CHANNEL_LABELS, data.get("channel") or "", data.get("channel") or "—")
        audience = pdf.words(AGENT if data.get("audience") == "agent" else RECIPIENT)
        audience += pdf.words(mark("pdf", " (reminder)")) if data.get("purpose") == "reminder" else ""
        audience += f" {data['to']}" if data.get("to") else ""  # the address it went to, masked
        text = f"{channel} → {audience}"
        if event["type"] == "notification_failed" and data.get("provider_message"):
            text += pdf.words(mark("pdf", " (%(provider_message)s)"), provider_message=data["provider_message"])
        return text
    if event["type"] == "delivered":
        address = data.get("address") or ""
        channel = _label(CHANNEL_LABELS, data.get("channel", ""), "")
        return f"{channel} {_label(ADDRESS_LABELS, address, address)}".strip()
    if event["type"] in ("rejected", "failed"):
        return str(data.get("reason") or data.get("method") or "")
    if event["type"] == "served_otherwise":
        text = pdf.words(
            mark("pdf", "%(method)s served at %(served_at)s"),
            method=data.get("method_label") or "",
            served_at=_local(_parse(data.get("served_at"))),
        )
        if data.get("announced_at"):
            text += pdf.words(
                mark("pdf", " (notice published %(at)s; deemed served when thirty days have passed)"),
                at=_local(_parse(data["announced_at"])),
            )
        return text + (pdf.words(mark("pdf", "; %(note)s"), note=data["note"]) if data.get("note") else "")
    if event["type"] in ("opened", "downloaded", "acknowledged"):
        return pdf.words(AGENT if event["actor_role"] == "agent" else RECIPIENT)
    return ""


def _parse(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def verify_public(*, code: str) -> dict:
    """Confirm a certificate by its code: court, case number, digests, times; no personal data."""
    document = db.session.scalar(select(ServedDocument).where(ServedDocument.verification_code == code.upper()))
    if document is None:
        raise NotFound("No certificate has this verification code.", reason="verification.not_found")
    events = delivery_chain.events_of(document.id)
    court = db.session.get(Court, document.court_id)
    case = db.session.get(Case, document.case_id)
    return {
        "verification_code": document.verification_code,
        "chain_valid": delivery_chain.verify_document(document, events) is None,
        "court": {"name": court.name, "code": court.code} if court else None,
        "case_number": case.case_number if case else None,
        "doc_type": document.doc_type,
        "doc_type_label": documents_rules.DOC_TYPES[document.doc_type].label,
        "title_sha256": hashlib.sha256(document.title.encode()).hexdigest(),
        "document_sha256": document.sha256,
        "status": document.status,
        "delivered_at": document.delivered_at,
        "served_at": document.served_at,
        "served_basis": document.served_basis,
        "events": [{"type": event.type, "at": event.at} for event in events],
    }
