"""The one commit of every delivery change: webhook rows written with the events, sends started afterwards.

Rows (notifications, webhook deliveries) are written in the same transaction as the events that caused
them; the jobs are enqueued only after the commit, and the periodic sweeps re-enqueue anything left
behind, so a lost job delays work but never loses it.
"""

from __future__ import annotations

import logging
import uuid

from app.documents import chain as delivery_chain
from app.extensions import db
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


def commit() -> None:
    """Write webhook rows for this transaction's events, commit once, then start notifications and webhooks."""
    hook_ids = webhooks.record(delivery_chain.take_appended())
    note_ids = db.session.info.pop(NOTES_KEY, [])
    sms_ids = db.session.info.pop(SMS_KEY, [])
    db.session.commit()
    after_commit(note_ids, hook_ids, sms_ids)


def after_commit(note_ids: list[uuid.UUID], hook_ids: list[uuid.UUID], sms_ids: list[uuid.UUID]) -> None:
    """Enqueue the sends; a failure here is logged, never raised (the rows are committed, the sweep retries)."""
    from app.documents import notify as delivery_notify
    from app.notifications import dispatch as notifications
    from app.notifications import sms_outbox as notifications_sms

    if sms_ids:
        try:
            for sms_id in sms_ids:
                notifications_sms.dispatch(sms_id)
            delivery_notify.reconcile_sms(sms_ids)  # inline jobs have sent them already; otherwise the sweep does
        except Exception:
            log.exception("sms reminder dispatch failed")
    for note_id in note_ids:
        try:
            notifications.dispatch(note_id)
        except Exception:
            log.exception("notification dispatch failed", extra={"notification_id": str(note_id)})
    try:
        webhooks.dispatch(hook_ids)
    except Exception:
        log.exception("webhook dispatch failed")
