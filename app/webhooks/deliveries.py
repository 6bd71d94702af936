"""Webhooks to court systems: one delivery row per event and subscription, sends and retries by row.

Generic over events: a domain hands `record` its events (an id, a type such as `document.opened`, the court,
the time and the event's data) in the transaction that wrote them (a human-readable field may be an
`app.i18n` message: it is sent in Chinese, the court's language); subscriptions are managed in
subscriptions.py, and the event types one may subscribe to are registered in events.py by the domains.

Sending runs on the outbox engine (app/platform/outbox.py): the job claims the row with a lease (two workers
or two sweeps never send it at once), posts once, and records the answer: 2xx delivered; 410 disables the
subscription; anything else is retried with exponential backoff and jitter until WEBHOOK_RETRY_WINDOW_HOURS
after the event, then `failed`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import ColumnElement, ColumnExpressionArgument, Table, bindparam, insert, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.i18n import DEFAULT_LANGUAGE, Message
from app.integrations import webhooks as http
from app.platform import jobs, settings, transactions
from app.platform.outbox import Outbox, backoff_seconds, gave_up
from app.security import pii
from app.utils import clock
from app.utils.ids import new_id
from app.webhooks.models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
SECRET_FIELD = "webhook_secret"
DELIVER_TASK = "microcourt.webhooks.deliver"


def _lease_seconds() -> float:
    return float(settings.webhooks().timeout_seconds) + 30


# Outbox[WebhookDelivery], inferred from `model`: written out, mypy checks the type argument before it reads the
# model's Mapped columns as values and wrongly refuses it (python/mypy#20317).
OUTBOX = Outbox(model=WebhookDelivery, waiting="pending", lease_seconds=_lease_seconds, due="next_attempt_at")


@dataclasses.dataclass(frozen=True)
class Event:
    """One event to announce to a court's subscribers; `data` is built only when someone subscribed."""

    id: uuid.UUID
    type: str
    court_id: uuid.UUID
    at: dt.datetime
    data: Callable[[], dict]


def record(events: Iterable[Event]) -> list[uuid.UUID]:
    """Write a delivery row per event and matching active subscription (the caller commits)."""
    events = list(events)
    if not events:
        return []
    courts = {event.court_id for event in events}
    shared: dict[uuid.UUID, list[WebhookSubscription]] = db.session.info.get(SHARED_KEY, {})
    if courts <= shared.keys():
        subscriptions = [subscription for court in courts for subscription in shared[court]]
    else:
        subscriptions = list(db.session.scalars(_ACTIVE, {"courts": list(courts)}))
    rows: list[dict[str, Any]] = []
    for event in events:
        body = None
        for subscription in subscriptions:
            if subscription.court_id != event.court_id or not _wants(subscription, event.type):
                continue
            body = body or _body(event)
            now = clock.now()
            rows.append(
                {
                    "id": new_id(),  # now, not at a flush: a batch's group writes its rows at its end
                    "subscription_id": subscription.id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "body": body,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "claimed_at": None,
                    "last_status": None,
                    "last_error": None,
                    "delivered_at": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    if transactions.grouped():  # a batch's group of items writes its rows together at its end (its flush)
        db.session.add_all([WebhookDelivery(**row) for row in rows])
    else:
        db.session.flush()
        if rows:  # one Core INSERT built once, not the unit of work (issue 18)
            db.session.execute(_INSERT, rows)
    return [row["id"] for row in rows]


_INSERT = insert(cast(Table, WebhookDelivery.__table__))


SHARED_KEY = "webhooks.shared_subscriptions"  # session.info: {court id: active subscriptions}, this transaction


def active_on(court_id: ColumnExpressionArgument[Any]) -> ColumnElement[bool]:
    """The condition joining a court (its id column or a bound parameter) to its active subscriptions: a caller
    that reads the court anyway reads them in the same statement and hands them to `share`."""
    return (WebhookSubscription.court_id == court_id) & (WebhookSubscription.status == "active")


# Built once per process with bound parameters, not per call (building a statement costs about what running it does).
_ACTIVE = select(WebhookSubscription).where(
    WebhookSubscription.court_id.in_(bindparam("courts", expanding=True)), WebhookSubscription.status == "active"
)


def share_subscriptions(courts: Iterable[uuid.UUID]) -> None:
    """Read the active subscriptions of these courts once for the rest of the transaction (a batch's items then
    record their events without a read each); dropped when the transaction ends or writes a subscription."""
    courts = set(courts)
    if not courts:
        return
    share(courts, db.session.scalars(_ACTIVE, {"courts": list(courts)}))


def shared_courts() -> frozenset[uuid.UUID]:
    """The courts whose active subscriptions this transaction holds already (`share`, `share_subscriptions`)."""
    return frozenset(db.session.info.get(SHARED_KEY, {}))


def share(courts: Iterable[uuid.UUID], subscriptions: Iterable[WebhookSubscription | None]) -> None:
    """Keep these courts' active subscriptions, read by the caller (`active_on`; None: a row without one), for the
    rest of the transaction, as `share_subscriptions` does: `record` then reads none for them."""
    shared: dict[uuid.UUID, list[WebhookSubscription]] = {court: [] for court in courts}
    for subscription in subscriptions:
        if subscription is not None and subscription.court_id in shared:
            found = shared[subscription.court_id]
            if subscription not in found:  # a join may repeat it
                found.append(subscription)
    db.session.info[SHARED_KEY] = {**db.session.info.get(SHARED_KEY, {}), **shared}


@orm_event.listens_for(Session, "before_flush")
def _subscription_written(session: Session, flush_context: object, instances: object) -> None:
    if SHARED_KEY in session.info and any(
        isinstance(row, WebhookSubscription) for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(SHARED_KEY, None)


@orm_event.listens_for(Session, "after_transaction_end")
def _forget_shared(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(SHARED_KEY, None)


def _wants(subscription: WebhookSubscription, event_type: str) -> bool:
    return "*" in subscription.events or event_type in subscription.events


def _body(event: Event) -> str:
    payload = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.at.isoformat(),
        "court_id": str(event.court_id),
        "data": _words(event.data()),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _words(value: object) -> object:
    """An event's data as sent: a catalogue message (a human-readable field) in Chinese, the court's language
    (a subscription has no language); every other value, machine fields included, exactly as given."""
    if isinstance(value, Message):
        return value.render(DEFAULT_LANGUAGE)
    if isinstance(value, dict):
        return {key: _words(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_words(item) for item in value]
    return value


def dispatch(delivery_ids: list[uuid.UUID]) -> None:
    """Enqueue the sends after the commit (inline in the embedded default): several deliveries to a job when there
    are many (`jobs.enqueue_each`: a court's batch of documents makes three events each)."""
    jobs.enqueue_each(DELIVER_TASK, ([str(delivery_id)] for delivery_id in delivery_ids))


def send(delivery_id: uuid.UUID) -> str:
    """Attempt one delivery if it is due and unclaimed; return its status afterwards."""
    now = clock.now()
    row = OUTBOX.claim(delivery_id)
    if row is None:
        current = db.session.get(WebhookDelivery, delivery_id)
        return current.status if current else "missing"
    subscription = db.session.get(WebhookSubscription, row.subscription_id)
    config = settings.webhooks()
    if subscription is None or subscription.status != "active":
        return _finish(row, "cancelled", error="subscription disabled")
    if http.check_url(subscription.url, allowed_hosts=config.allowed_hosts, allow_http=config.allow_http):
        return _finish(row, "failed", error="the URL's host is no longer allowed")
    secret = pii.decrypt(subscription.secret_enc, field=SECRET_FIELD)
    headers = {
        http.SIGNATURE_HEADER: http.signature_header(secret, int(now.timestamp()), row.body),
        http.EVENT_ID_HEADER: str(row.event_id),
        http.EVENT_TYPE_HEADER: row.event_type,
        http.ATTEMPT_HEADER: str(row.attempts),
    }
    attempt = http.post(subscription.url, row.body, headers, timeout=config.timeout_seconds)
    row.last_status = attempt.status
    if attempt.ok:
        row.delivered_at = clock.now()
        return _finish(row, "delivered")
    if attempt.gone:
        _disable(subscription, "the receiver answered 410 Gone")
        return _finish(row, "cancelled", error=attempt.error)
    return _retry_later(row, attempt.error or "failed")


def _retry_later(row: WebhookDelivery, error: str) -> str:
    config = settings.webhooks()
    window = dt.timedelta(hours=config.retry_window_hours)
    if gave_up(attempts=row.attempts, created_at=row.created_at, window=window):
        return _finish(row, "failed", error=error)
    delay = backoff_seconds(row.attempts, base=config.retry_base_seconds, cap=config.retry_max_seconds)
    OUTBOX.retry_later(row, delay_seconds=delay, error=error)
    return _finish(row, "pending", error=error)


def _finish(row: WebhookDelivery, status: str, *, error: str | None = None) -> str:
    OUTBOX.finish(row, status, error=error)
    db.session.commit()
    log.info("webhook %s", status, extra={"webhook_delivery_id": str(row.id), "attempt": row.attempts})
    return status


def _disable(subscription: WebhookSubscription, reason: str) -> None:
    subscription.status, subscription.disabled_at, subscription.disabled_reason = "disabled", clock.now(), reason
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.status == "pending")
        .values(status="cancelled", last_error="subscription disabled (410)", claimed_at=None)
        .execution_options(synchronize_session=False)
    )


def due_ids(*, limit: int) -> list[uuid.UUID]:
    """Pending deliveries whose next attempt is due and that no worker holds."""
    return OUTBOX.sweep_ids(limit=limit)


def sweep() -> int:
    """Enqueue every due delivery: first attempts whose job was lost and retries whose backoff has passed."""
    ids = due_ids(limit=settings.webhooks().sweep_batch)
    dispatch(ids)
    return len(ids)
