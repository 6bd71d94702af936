"""Webhooks to court systems: one delivery row per event and subscription, sends and retries by row.

Subscriptions are created and managed in webhook_subscriptions.py.

A delivery row is written in the same transaction as the evidence event it announces. Sending claims the
row with a conditional UPDATE (two workers or two sweeps never send it at once), posts once, and records
the answer: 2xx delivered; 410 disables the subscription; anything else is retried with exponential
backoff and jitter until WEBHOOK_RETRY_WINDOW_HOURS after the event, then `failed`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import uuid
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import or_, select, update

from app.cases.models import Case
from app.documents.models import DeliveryEvent, ServedDocument
from app.extensions import db
from app.integrations import webhooks as http
from app.security import pii
from app.utils import clock
from app.webhooks.models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
SECRET_FIELD = "webhook_secret"


def record(events: Iterable[DeliveryEvent]) -> list[uuid.UUID]:
    """Write a delivery row per event and matching active subscription (the caller commits)."""
    events = list(events)
    if not events:
        return []
    documents = {event.document_id: db.session.get(ServedDocument, event.document_id) for event in events}
    courts = {document.court_id for document in documents.values()}
    query = select(WebhookSubscription).where(
        WebhookSubscription.court_id.in_(courts), WebhookSubscription.status == "active"
    )
    subscriptions = list(db.session.scalars(query))
    rows = []
    for event in events:
        document = documents[event.document_id]
        event_type = f"document.{event.type}"
        body = None
        for subscription in subscriptions:
            if subscription.court_id != document.court_id or not _wants(subscription, event_type):
                continue
            body = body or _body(event, document)
            row = WebhookDelivery(
                subscription_id=subscription.id,
                event_id=event.id,
                event_type=event_type,
                body=body,
                next_attempt_at=clock.now(),
            )
            db.session.add(row)
            rows.append(row)
    db.session.flush()
    return [row.id for row in rows]


def _wants(subscription: WebhookSubscription, event_type: str) -> bool:
    return "*" in subscription.events or event_type in subscription.events


def _body(event: DeliveryEvent, document: ServedDocument) -> str:
    case = db.session.get(Case, document.case_id)
    payload = {
        "id": str(event.id),
        "type": f"document.{event.type}",
        "created_at": event.at.isoformat(),
        "court_id": str(document.court_id),
        "data": {
            "document_id": str(document.id),
            "case_id": str(document.case_id),
            "case_number": case.case_number if case else None,
            "document_status": document.status,
            "seq": event.seq,
            "hash": event.hash,
            "event": event.data or {},
        },
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dispatch(delivery_ids: list[uuid.UUID]) -> None:
    """Enqueue the sends after the commit (inline in the embedded default)."""
    from app.webhooks.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.delay(str(delivery_id))


def _claim(delivery_id: uuid.UUID, now: dt.datetime) -> WebhookDelivery | None:
    lease = now + dt.timedelta(seconds=current_app.config["WEBHOOK_TIMEOUT_SECONDS"] + 30)
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
        )
        .values(locked_until=lease, attempts=WebhookDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.get(WebhookDelivery, delivery_id) if claimed.rowcount == 1 else None


def send(delivery_id: uuid.UUID) -> str:
    """Attempt one delivery if it is due and unclaimed; return its status afterwards."""
    now = clock.now()
    row = _claim(delivery_id, now)
    if row is None:
        current = db.session.get(WebhookDelivery, delivery_id)
        return current.status if current else "missing"
    subscription = db.session.get(WebhookSubscription, row.subscription_id)
    config = current_app.config
    if subscription is None or subscription.status != "active":
        return _finish(row, "cancelled", error="subscription disabled")
    if http.check_url(
        subscription.url, allowed_hosts=config["WEBHOOK_ALLOWED_HOSTS"], allow_http=config["WEBHOOK_ALLOW_HTTP"]
    ):
        return _finish(row, "failed", error="the URL's host is no longer allowed")
    secret = pii.decrypt(subscription.secret_enc, field=SECRET_FIELD)
    headers = {
        http.SIGNATURE_HEADER: http.signature_header(secret, int(now.timestamp()), row.body),
        http.EVENT_ID_HEADER: str(row.event_id),
        http.EVENT_TYPE_HEADER: row.event_type,
        http.ATTEMPT_HEADER: str(row.attempts),
    }
    attempt = http.post(subscription.url, row.body, headers, timeout=config["WEBHOOK_TIMEOUT_SECONDS"])
    row.last_status = attempt.status
    if attempt.ok:
        row.delivered_at = clock.now()
        return _finish(row, "delivered")
    if attempt.gone:
        _disable(subscription, "the receiver answered 410 Gone")
        return _finish(row, "cancelled", error=attempt.error)
    return _retry_later(row, attempt.error or "failed")


def _retry_later(row: WebhookDelivery, error: str) -> str:
    config = current_app.config
    now = clock.now()
    if now - row.created_at >= dt.timedelta(hours=config["WEBHOOK_RETRY_WINDOW_HOURS"]):
        return _finish(row, "failed", error=error)
    delay = min(
        config["WEBHOOK_RETRY_BASE_SECONDS"] * 2 ** max(row.attempts - 1, 0), config["WEBHOOK_RETRY_MAX_SECONDS"]
    )
    row.next_attempt_at = now + dt.timedelta(seconds=delay * random.uniform(0.5, 1.0))  # full jitter, bounded below
    return _finish(row, "pending", error=error)


def _finish(row: WebhookDelivery, status: str, *, error: str | None = None) -> str:
    row.status, row.locked_until, row.last_error = status, None, (error or None) and error[:255]
    db.session.commit()
    log.info("webhook %s", status, extra={"webhook_delivery_id": str(row.id), "attempt": row.attempts})
    return status


def _disable(subscription: WebhookSubscription, reason: str) -> None:
    subscription.status, subscription.disabled_at, subscription.disabled_reason = "disabled", clock.now(), reason
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.status == "pending")
        .values(status="cancelled", last_error="subscription disabled (410)")
        .execution_options(synchronize_session=False)
    )


def due_ids(*, limit: int) -> list[uuid.UUID]:
    """Pending deliveries whose next attempt is due and that no worker holds."""
    now = clock.now()
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
    )
    return list(db.session.scalars(query.order_by(WebhookDelivery.next_attempt_at).limit(limit)))
