"""The periodic delivery sweep, driven only by database state, so running it twice (even at once) is harmless.

1. Delivered but not opened after DELIVERY_REMIND_AFTER_HOURS: one reminder (to the recipient and their
   lawyers; by SMS, or to the recipient's confirmed service address: that phone, or e-mail, see
   `notify.queue_sms`); `reminded_at` is the guard.
2. Still not opened DELIVERY_ESCALATE_AFTER_HOURS after delivery (and at least the difference after the
   reminder): `expired` on the chain and a clerk work item to serve it by paper or phone.
3. Held documents whose recipient has since consented with a confirmed address: delivered now.
4. Notification outcomes whose hook never ran: copied onto the chain.
5. Uploads never pushed, a day after their form expired: their objects deleted.
Each document is handled in its own transaction under its row lock, re-checking its state; one that fails
(say, a phone number under a retired PII key) is rolled back and logged, and the sweep goes on with the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

from sqlalchemy import ColumnElement, select

from app.cases import Case, CaseParty, timeline
from app.documents import delivery
from app.documents import notify as delivery_notify
from app.documents import outbox as delivery_outbox
from app.documents import states as delivery_states
from app.documents import uploads as documents_uploads
from app.documents.chain import SYSTEM
from app.documents.models import ServedDocument
from app.extensions import db
from app.i18n import message
from app.platform import settings
from app.utils import clock

log = logging.getLogger(__name__)


def run() -> dict[str, int]:
    """One pass of every step; returns how many documents each step handled."""
    return {
        "reminded": remind_due(),
        "expired": expire_due(),
        "delivered": deliver_held(),
        "notifications": delivery_notify.reconcile_stale(),
        "uploads_purged": documents_uploads.purge_expired(),
    }


def _ids(*conditions: ColumnElement[bool]) -> list[uuid.UUID]:
    limit = settings.documents().sweep_batch
    query = select(ServedDocument.id).where(*conditions).order_by(ServedDocument.delivered_at, ServedDocument.id)
    return list(db.session.scalars(query.limit(limit)))


def _each(step: str, document_ids: list[uuid.UUID], handle: Callable[[uuid.UUID], bool]) -> int:
    """Run `handle` per document in its own transaction (commit when it returns True); count the commits."""
    done = 0
    for document_id in document_ids:
        try:
            if handle(document_id):
                delivery_outbox.commit()
                done += 1
                continue
        except Exception:
            log.exception("delivery sweep: %s failed for document %s", step, document_id)
        db.session.rollback()
    return done


def _hours(hours: int) -> dt.timedelta:
    return dt.timedelta(hours=hours)


def remind_due() -> int:
    """Send the one reminder for documents delivered long enough ago and still unopened."""
    now = clock.now()
    cutoff = now - _hours(settings.documents().remind_after_hours)
    due = _ids(
        ServedDocument.status == "delivered",
        ServedDocument.reminded_at.is_(None),
        ServedDocument.delivered_at <= cutoff,
    )
    return _each("reminder", due, lambda document_id: _remind(document_id, now))


def _remind(document_id: uuid.UUID, now: dt.datetime) -> bool:
    document = delivery.lock(document_id, skip_locked=True)
    if document is None or document.status != "delivered" or document.reminded_at is not None:
        return False
    document.reminded_at = now
    party = db.session.get_one(CaseParty, document.recipient_party_id)
    delivery_notify.queue_sms(document, party, purpose="reminder")
    timeline.record(
        db.session.get_one(Case, document.case_id),
        "document.reminder_sent",
        actor=None,
        actor_role="system",
        summary=message("《%(title)s》 not opened yet: reminder sent", title=document.title),
        data={"document_id": str(document.id)},
    )
    return True


def expire_due() -> int:
    """Mark long-unopened documents `expired` and hand them to a clerk for paper or phone service."""
    now = clock.now()
    config = settings.documents()
    escalate, remind = _hours(config.escalate_after_hours), _hours(config.remind_after_hours)
    due = _ids(
        ServedDocument.status == "delivered",
        ServedDocument.reminded_at.is_not(None),
        ServedDocument.delivered_at <= now - escalate,
        ServedDocument.reminded_at <= now - (escalate - remind),
    )
    return _each("escalation", due, _expire)


def _expire(document_id: uuid.UUID) -> bool:
    document = delivery.lock(document_id, skip_locked=True)
    # reminded_at is set before a document is due (and never cleared): re-checked here under the lock
    if document is None or document.reminded_at is None or not delivery_states.allowed("expire", document.status):
        return False
    hours = settings.documents().escalate_after_hours
    data = {"not_opened_for_hours": hours, "reminded_at": document.reminded_at.isoformat()}
    delivery_states.apply(document, "expire", actor=SYSTEM, data=data)
    if document.served_at:
        reason = message(
            "Not opened %(hours)s hours after delivery despite a reminder (already deemed served at delivery): "
            "serve by paper or phone.",
            context="work_item",
            hours=hours,
        )
    else:
        reason = message(
            "Not opened %(hours)s hours after delivery despite a reminder (not served electronically): "
            "serve by paper or phone.",
            context="work_item",
            hours=hours,
        )
    delivery.open_work_item(document, "document_unopened", reason, {"served": document.served_at is not None})
    timeline.record(
        db.session.get_one(Case, document.case_id),
        "document.escalated",
        actor=None,
        actor_role="system",
        summary=message("《%(title)s》 not opened: handed to a clerk for paper or phone service", title=document.title),
        data={"document_id": str(document.id)},
    )
    return True


def deliver_held() -> int:
    """Deliver held documents whose recipient can now be served electronically."""
    return _each("held delivery", _ids(ServedDocument.status == "held"), _deliver_held)


def _deliver_held(document_id: uuid.UUID) -> bool:
    document = delivery.lock(document_id, skip_locked=True)
    return document is not None and delivery.retry_held(document)
