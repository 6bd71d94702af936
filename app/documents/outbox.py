"""The one commit of every delivery change: webhook rows written with the events, sends started afterwards.

Rows (notifications, SMS messages, webhook deliveries) are written in the same transaction as the events
that caused them; the jobs are enqueued only after the commit, and the periodic sweeps re-enqueue anything
left behind, so a lost job delays work but never loses it. Document events become webhook events here
(documents -> webhooks: the webhook package knows nothing of documents).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam, select

from app.cases import Case
from app.documents import chain as delivery_chain
from app.documents.chain import SYSTEM
from app.documents.models import DocumentNotification, ServedDocument
from app.extensions import db
from app.identity import Court
from app.notifications import dispatch as notifications
from app.platform import transactions
from app.sms import SmsMessage
from app.sms import outbox as sms_outbox
from app.webhooks import WebhookSubscription
from app.webhooks import deliveries as webhooks

log = logging.getLogger(__name__)
NOTES_KEY = "document_notifications"
SMS_KEY = "document_sms"


def remember_notifications(ids: list[uuid.UUID]) -> None:
    """Notifications written in this transaction, to dispatch after the commit."""
    db.session.info.setdefault(NOTES_KEY, []).extend(ids)


def remember_sms(ids: list[uuid.UUID]) -> None:
    """SMS outbox messages written in this transaction, to send after the commit."""
    db.session.info.setdefault(SMS_KEY, []).extend(ids)


# Built once per process with bound parameters: each court with its active webhook subscriptions (one row per
# subscription; a court without any: one row, the subscription None).
_COURTS = (
    select(Court, WebhookSubscription)
    .outerjoin(WebhookSubscription, webhooks.active_on(Court.id))
    .where(Court.id.in_(bindparam("court_ids", expanding=True)))
)


def read_courts(court_ids: Iterable[uuid.UUID | None]) -> list[Court]:
    """These courts (notices name them) and their active webhook subscriptions in one statement, not two: the
    subscriptions are kept for the rest of the transaction, so `commit` writes the webhook rows without a read.
    Courts whose subscriptions the transaction holds already are not read again (nor returned)."""
    wanted = {court for court in court_ids if court is not None} - webhooks.shared_courts()
    if not wanted:
        return []
    rows = db.session.execute(_COURTS, {"court_ids": list(wanted)}).all()
    webhooks.share(wanted, (row[1] for row in rows))
    return list(dict.fromkeys(row[0] for row in rows))


def commit() -> None:
    """Write webhook rows for this transaction's events, commit once, then start notifications and webhooks."""
    hook_ids = webhooks.record(webhook_events_of(delivery_chain.take_appended()))
    note_ids = db.session.info.pop(NOTES_KEY, [])
    sms_ids = db.session.info.pop(SMS_KEY, [])
    db.session.commit()
    transactions.after_commit(Sends(note_ids, hook_ids, sms_ids))


@dataclasses.dataclass(frozen=True)
class Sends:
    """What one commit starts once it has landed (`after_commit`). The items of a batch each register theirs, and
    `transactions.merged` joins them: the batch's notifications and webhook deliveries are enqueued together, a few
    deliveries to a job (`jobs.enqueue_each`), not one job each (issue 18: an enqueue costs about a millisecond)."""

    note_ids: list[uuid.UUID]
    hook_ids: list[uuid.UUID]
    sms_ids: list[uuid.UUID]

    def __call__(self) -> None:
        after_commit(self.note_ids, self.hook_ids, self.sms_ids)

    def merge(self, later: Sends) -> Sends:
        return Sends(self.note_ids + later.note_ids, self.hook_ids + later.hook_ids, self.sms_ids + later.sms_ids)


def webhook_events_of(events: list[delivery_chain.Appended]) -> list[webhooks.Event]:
    """Document events as webhook events (`document.<type>` for the document's court; `append` gave their ids)."""
    if not events:
        return []
    # A batch's group flushes at its end: its documents may still wait unflushed (not in the identity map yet).
    pending = {row.id: row for row in db.session.new if isinstance(row, ServedDocument)}
    found = []
    for event in events:
        document = pending.get(event.document_id) or db.session.get(ServedDocument, event.document_id)
        if document is None:  # an event of a document that no longer exists announces nothing
            continue
        data = functools.partial(_webhook_data, event, document)
        found.append(
            webhooks.Event(
                id=event.id, type=f"document.{event.type}", court_id=document.court_id, at=event.at, data=data
            )
        )
    return found


def _webhook_data(event: delivery_chain.Appended, document: ServedDocument) -> dict:
    case = db.session.get(Case, document.case_id)
    return {
        "document_id": str(document.id),
        "case_id": str(document.case_id),
        "case_number": case.case_number if case else None,
        "document_status": document.status,
        "seq": event.seq,
        "hash": event.hash,
        "event": event.data or {},
    }


def after_commit(note_ids: list[uuid.UUID], hook_ids: list[uuid.UUID], sms_ids: list[uuid.UUID]) -> None:
    """Enqueue the sends; a failure here is logged, never raised (the rows are committed, the sweep retries)."""
    if sms_ids:
        try:
            for sms_id in sms_ids:
                sms_outbox.dispatch(sms_id)
            reconcile_sms(sms_ids)  # inline jobs have sent them already; otherwise the sweep does
        except Exception:
            log.exception("sms reminder dispatch failed")
    try:
        notifications.dispatch_many(note_ids)
    except Exception:
        log.exception("notification dispatch failed", extra={"notifications": len(note_ids)})
    try:
        webhooks.dispatch(hook_ids)
    except Exception:
        log.exception("webhook dispatch failed")


def reconcile_sms(sms_ids: list[uuid.UUID]) -> int:
    """Copy the outcome of finished SMS messages onto their documents' chains (once each)."""
    query = select(DocumentNotification.id, DocumentNotification.document_id).where(
        DocumentNotification.channel == "sms",
        DocumentNotification.status == "queued",
        DocumentNotification.outbox_id.in_(sms_ids),
    )
    written = 0
    for row_id, document_id in db.session.execute(query).all():
        document = delivery_chain.lock_document(document_id)
        row = db.session.get(DocumentNotification, row_id, populate_existing=True)
        message = db.session.get(SmsMessage, row.outbox_id, populate_existing=True) if row else None
        if document is None or row is None or row.status != "queued" or message is None:
            db.session.rollback()
            continue
        if message.status not in ("sent", "failed"):
            db.session.rollback()
            continue
        data: dict[str, object] = {
            "audience": row.audience,
            "purpose": row.purpose,
            "channel": "sms",
            "outcome": message.status,
        }
        data.update(provider=message.provider, provider_message=message.provider_message_id or message.error)
        event = "notified" if message.status == "sent" else "notification_failed"
        row.event_seq = delivery_chain.append(document, event, actor=SYSTEM, data=data).seq
        row.status, row.provider, row.error = message.status, message.provider, message.error
        row.provider_message_id = message.provider_message_id
        commit()
        written += 1
    return written
