"""Telling recipients a document arrived: through the generic notification path, each outcome on the chain.

The recipient's notices go to the service address of their consent in force when it is confirmed
(`consent_address.notice_address`: a phone -> SMS to that number, a verified e-mail -> an e-mail); otherwise, and
for their lawyers, `notifications.notify` picks the channel (a WeChat subscribe message when a grant exists, else
SMS to the account's phone). The address is read as each notice is written, so a change counts from the next one.
`notifications.notify` records every attempt with the provider's answer and the (masked) address it went to;
when a notification is final, the `on_outcome` hook of our kinds copies each channel attempt onto the document's
evidence chain as `notified` or `notification_failed` (with `to`, the masked address). A sweep
(`reconcile_stale`) does the same for any outcome whose hook never ran.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import cast

from sqlalchemy import Table, insert, select

from app import i18n
from app.cases import CaseAgent, CaseConsent, CaseParty
from app.documents import chain as delivery_chain
from app.documents import consent_address, recipient_facts
from app.documents import outbox as delivery_outbox
from app.documents.chain import SYSTEM
from app.documents.models import DocumentNotification, ServedDocument
from app.extensions import db
from app.i18n import message
from app.identity import Court, User
from app.notifications import Notification, NotificationAttempt
from app.notifications import dispatch as notifications
from app.notifications import kinds as notification_kinds
from app.platform import settings
from app.security import pii
from app.sms import outbox as notifications_sms
from app.utils import clock
from app.utils.ids import new_id

log = logging.getLogger(__name__)
KINDS = {"delivery": "document_served", "reminder": "document_reminder"}
_THE_COURT = message("the court", context="notification")  # an e-mail's court when the document names none
FINAL_ATTEMPTS = ("sent", "refused", "failed", "error", "unknown")


def people(party: CaseParty) -> list[tuple[uuid.UUID, str]]:
    """Who is told: the recipient's own account and each of their active lawyers."""
    found = [(party.user_id, "recipient")] if party.user_id else []
    facts = recipient_facts.of(party.id)
    lawyers = (
        facts.lawyers
        if facts is not None
        else db.session.scalars(
            select(CaseAgent.lawyer_user_id).where(CaseAgent.party_id == party.id, CaseAgent.status == "active")
        )
    )
    found += [(lawyer, "agent") for lawyer in lawyers if lawyer != party.user_id]
    return found


# Built once: a document's notification rows, written with its events (app/documents/chain.py `defer`), not by the
# unit of work (issue 18: nothing reads them back as objects in the transaction that writes them); the notifications
# they name are written the same way (`notifications.row`), each deferred before its document notification.
_INSERT_NOTIFICATION = insert(cast(Table, DocumentNotification.__table__))


def queue(
    document: ServedDocument, party: CaseParty, *, purpose: str, consent: CaseConsent | None = None
) -> list[uuid.UUID]:
    """Write one notification per person in the caller's transaction (sent after the commit); their rows' ids."""
    court = db.session.get(Court, document.court_id)
    data = {
        "document_id": str(document.id),
        "title": document.title,
        "court": court.name if court else "",
        "at": clock.now().isoformat(),
    }
    rows: list[uuid.UUID] = []
    note_ids: list[uuid.UUID] = []
    address = consent_address.notice_address(party, latest=consent)  # routing read it: not again
    for user_id, audience in people(party):
        note = notifications.row(
            user_id=user_id,
            kind=KINDS[purpose],
            data=data,
            subject=("served_document", document.id),
            address=address if audience == "recipient" else None,
        )
        delivery_chain.defer(document, notifications.INSERT, note)  # before the row that names it
        row_id = new_id()
        delivery_chain.defer(
            document,
            _INSERT_NOTIFICATION,
            {
                "id": row_id,
                "document_id": document.id,
                "user_id": user_id,
                "audience": audience,
                "purpose": purpose,
                "channel": "auto",
                "outbox_id": note["id"],
                "status": "queued",
                "provider": None,
                "provider_message_id": None,
                "error": None,
                "event_seq": None,
                "created_at": clock.now(),
                "updated_at": clock.now(),
            },
        )
        rows.append(row_id)
        note_ids.append(note["id"])
    delivery_outbox.remember_notifications(note_ids)
    return rows


def queue_sms(document: ServedDocument, party: CaseParty, *, purpose: str) -> list[DocumentNotification]:
    """One SMS per person with a phone number, whatever WeChat grants exist (reminders go by SMS).

    A recipient with a confirmed service address gets the reminder there instead (SMS to that phone, or e-mail).
    """
    rows = []
    address = consent_address.notice_address(party)
    for user_id, audience in people(party):
        if audience == "recipient" and address is not None:
            rows += queue_to_address(document, user_id, address, purpose=purpose)
            continue
        phone = _phone(user_id, party if audience == "recipient" else None)
        row = DocumentNotification(
            document_id=document.id, user_id=user_id, audience=audience, purpose=purpose, channel="sms"
        )
        if phone is None:
            row.status, row.error = "failed", "no phone number on file"
            data = {"audience": audience, "purpose": purpose, "channel": "sms", "outcome": "failed"}
            data["provider_message"] = row.error
            row.event_seq = delivery_chain.append(document, "notification_failed", actor=SYSTEM, data=data).seq
        else:
            params = {"title": _short(document.title), "link": document_link(document.id)}
            language = i18n.user_language(str(user_id))
            sms = notifications_sms.queue(phone=phone, template="document_served", params=params, language=language)
            row.outbox_id = sms.id
        db.session.add(row)
        rows.append(row)
    delivery_outbox.remember_sms([row.outbox_id for row in rows if row.outbox_id])
    return rows


def queue_to_address(
    document: ServedDocument, user_id: uuid.UUID, address: tuple[str, str], *, purpose: str
) -> list[DocumentNotification]:
    """A notice to the recipient's confirmed service address, through the notification path (outcome by hook)."""
    court = db.session.get(Court, document.court_id)
    data = {"document_id": str(document.id), "title": document.title, "court": court.name if court else ""}
    data["at"] = clock.now().isoformat()
    note = notifications.notify(
        user_id=user_id, kind=KINDS[purpose], data=data, subject=("served_document", document.id), address=address
    )
    row = DocumentNotification(
        document_id=document.id, user_id=user_id, audience="recipient", purpose=purpose, channel="auto"
    )
    row.outbox_id = note.id
    db.session.add(row)
    delivery_outbox.remember_notifications([note.id])
    return [row]


def _phone(user_id: uuid.UUID, party: CaseParty | None) -> str | None:
    user = db.session.get(User, user_id)
    encrypted = (user.phone_enc if user else None) or (party.phone_enc if party else None)
    return pii.decrypt(encrypted, field="phone") if encrypted else None


def record_outcome(note: Notification) -> int:
    """Copy a final notification's channel attempts onto the document's chain (once); return events written."""
    rows = list(
        db.session.scalars(
            select(DocumentNotification).where(
                DocumentNotification.outbox_id == note.id, DocumentNotification.status == "queued"
            )
        )
    )
    if not rows or note.status not in ("sent", "failed"):
        return 0
    document = delivery_chain.lock_document(rows[0].document_id)
    db.session.refresh(rows[0], with_for_update=True)
    if document is None or rows[0].status != "queued":
        db.session.rollback()
        return 0
    written = _write_outcome(document, rows[0], note)
    delivery_outbox.commit()
    return written


def _write_outcome(document: ServedDocument, row: DocumentNotification, note: Notification) -> int:
    attempts = db.session.scalars(
        select(NotificationAttempt)
        .where(NotificationAttempt.notification_id == note.id)
        .order_by(NotificationAttempt.created_at, NotificationAttempt.id)
    ).all()
    base = {"audience": row.audience, "purpose": row.purpose, "notification_id": str(note.id)}
    written = 0
    for attempt in attempts:
        if attempt.outcome not in FINAL_ATTEMPTS:
            continue
        event = "notified" if attempt.outcome == "sent" else "notification_failed"
        answer = {
            "to": attempt.address_masked,
            "channel": attempt.channel,
            "outcome": attempt.outcome,
            "provider": attempt.provider,
            "provider_code": attempt.provider_code,
            "provider_message": attempt.provider_message,
        }
        row.event_seq = delivery_chain.append(document, event, actor=SYSTEM, data={**base, **answer}).seq
        written += 1
    if written == 0:  # no channel could even be tried (no grant, no phone number)
        data = {**base, "channel": None, "outcome": "failed", "provider_message": note.error}
        row.event_seq = delivery_chain.append(document, "notification_failed", actor=SYSTEM, data=data).seq
        written = 1
    row.status, row.channel, row.error = note.status, note.channel or "none", (note.error or None)
    sent = next((a for a in attempts if a.outcome == "sent"), None)
    row.provider = sent.provider if sent else None
    row.provider_message_id = sent.provider_message if sent else None
    return written


def _on_outcome(note: Notification) -> None:
    """Hook of the notification path: never lets our bookkeeping fail the notification job."""
    try:
        record_outcome(note)
    except Exception:
        db.session.rollback()
        log.exception("recording a document notification outcome failed", extra={"notification_id": str(note.id)})


def reconcile_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=2), limit: int = 500) -> int:
    """Record outcomes whose hook never ran (a worker died after finishing the notification)."""
    cutoff = clock.now() - older_than
    query = (
        select(Notification)
        .join(DocumentNotification, DocumentNotification.outbox_id == Notification.id)
        .where(
            DocumentNotification.status == "queued",
            DocumentNotification.created_at <= cutoff,
            Notification.status.in_(("sent", "failed")),
        )
        .limit(limit)
    )
    written = sum(record_outcome(note) for note in list(db.session.scalars(query)))
    sms = select(DocumentNotification.outbox_id).where(
        DocumentNotification.channel == "sms",
        DocumentNotification.status == "queued",
        DocumentNotification.created_at <= cutoff,
    )
    return written + delivery_outbox.reconcile_sms(list(db.session.scalars(sms.limit(limit))))


def document_link(document_id: uuid.UUID | str) -> str:
    """The page a recipient without the mini-program opens from the SMS: the H5 client's page for the document,
    shown once they log in with the phone it was sent to (docs/pages.md)."""
    return f"{settings.http().public_base_url.rstrip('/')}/h5/#/documents/{document_id}"


def _short(value: str, limit: int = 20) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _time(data: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(data["at"])


for _purpose, _kind in KINDS.items():
    notification_kinds.register(
        notification_kinds.Kind(
            name=_kind,
            sms_template="document_served",
            sms_params=lambda data: {"title": _short(data["title"]), "link": document_link(data["document_id"])},
            wechat_data=lambda data: {"thing1": data["title"], "thing2": data["court"], "time3": _time(data)},
            page=lambda data: f"pages/documents/detail?id={data['document_id']}",
            on_outcome=_on_outcome,
            email_template=_kind,
            email_params=lambda data: {"title": data["title"], "court": data["court"] or _THE_COURT},
        )
    )
