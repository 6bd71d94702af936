"""The generic notification path: `notify` writes a row (the source of truth), a job delivers it once.

Delivery: a WeChat subscribe message when the kind has a configured template and the user holds an
unused grant for it (one grant is consumed per send); otherwise, or when WeChat refuses (43101) or fails,
an SMS through the SMS outbox (app/sms). A notification written with an address (the recipient's confirmed
service address) goes there instead: `phone` -> an SMS to that number (no WeChat), `email` -> an e-mail through
the e-mail outbox (`email_outbox`), falling back to the account's own channels only if the e-mail finally fails.
Every channel attempt is a `notification_attempts` row with the provider's answer and the masked address.
Exactly once, on the outbox engine (app/platform/outbox.py): a worker claims the row (an atomic UPDATE from
`pending`, or from a `sending` claim older than NOTIFICATION_CLAIM_GRACE_SECONDS); the sweep re-enqueues rows
left pending or claimed by a worker that died. Kinds (template ids, data mappings, SMS and e-mail templates)
live in `notification_kinds`. Every text is written in the recipient's language (`app.i18n.user_language` of the
notification's user: their stored choice, Chinese when none), never in that of whoever caused it: a kind's words
are catalogue messages (`app.i18n.message`), stored as facts in the row's data where they vary, rendered here.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from app import i18n
from app.errors import AppError
from app.extensions import db
from app.identity import SubscriptionGrant, User, wechat_login
from app.notifications import email_outbox
from app.notifications import kinds as notification_kinds
from app.notifications.email_models import EmailMessage
from app.notifications.models import Notification, NotificationAttempt
from app.platform import jobs, settings
from app.platform.outbox import Outbox
from app.security import pii
from app.sms import SmsMessage
from app.sms import outbox as notifications_sms
from app.utils import clock
from app.utils.ids import new_id

log = logging.getLogger(__name__)
DELIVER_TASK = "microcourt.notifications.deliver"


def _lease_seconds() -> float:
    return float(settings.notifications().claim_grace_seconds)


# A claimed notification is `sending`; the claim counts in `claims`; a claim older than the grace is taken over.
# Outbox[Notification], inferred from `model`: written out, mypy checks the type argument before it reads the
# model's Mapped columns as values and wrongly refuses it (python/mypy#20317).
OUTBOX = Outbox(
    model=Notification,
    waiting="pending",
    leased="sending",
    lease_seconds=_lease_seconds,
    attempts="claims",
    error="error",
)


def notify(
    *,
    user_id: uuid.UUID,
    kind: str,
    data: dict,
    subject: tuple[str, uuid.UUID] | None = None,
    address: tuple[str, str] | None = None,
) -> Notification:
    """Write a notification in the caller's transaction; after commit call `dispatch(notification.id)`.

    `address` (`("phone", "+86...")` or `("email", "...")`) sends it there instead of to the account's channels.
    """
    _check(kind, address)
    note = Notification(
        user_id=user_id,
        kind=kind,
        data=data,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        address_kind=address[0] if address else None,
        address_enc=pii.encrypt(address[1], field="notification_address") if address else None,
    )
    note.id = new_id()  # known before the flush: a fan-out of notifications is written by one INSERT
    db.session.add(note)
    return note


def _check(kind: str, address: tuple[str, str] | None) -> None:
    notification_kinds.get(kind)  # an unknown kind is a programming error, caught before anything is written
    if address is not None and address[0] not in ("phone", "email"):
        raise ValueError(f"unknown address kind {address[0]!r}")


# Built once: the INSERT of notifications given as plain rows (`row`), executed with every column.
INSERT = insert(cast(Table, Notification.__table__))


def row(
    *,
    user_id: uuid.UUID,
    kind: str,
    data: dict,
    subject: tuple[str, uuid.UUID] | None = None,
    address: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The row `notify` writes, as the parameters of `INSERT` (every column, as the unit of work would send them),
    for a caller that writes it with its other rows (app/documents/chain.py `defer`): no ORM object is built or
    flushed (issue 18). The same checks as `notify`; after commit call `dispatch(row["id"])`."""
    _check(kind, address)
    now = clock.now()
    return {
        "id": new_id(),
        "user_id": user_id,
        "kind": kind,
        "data": data,
        "subject_type": subject[0] if subject else None,
        "subject_id": subject[1] if subject else None,
        "status": "pending",
        "channel": None,
        "claims": 0,
        "claimed_at": None,
        "finished_at": None,
        "error": None,
        "address_kind": address[0] if address else None,
        "address_enc": pii.encrypt(address[1], field="notification_address") if address else None,
        "created_at": now,
        "updated_at": now,
    }


def dispatch(notification_id: uuid.UUID) -> None:
    """Enqueue delivery after commit (runs at once in the embedded default; the sweep covers a lost message)."""
    jobs.enqueue(DELIVER_TASK, str(notification_id))


def dispatch_many(notification_ids: list[uuid.UUID]) -> None:
    """`dispatch` for many at once (a batch of documents, the sweep): a few jobs of several deliveries each, not a
    job per notification (`jobs.enqueue_each`)."""
    jobs.enqueue_each(DELIVER_TASK, ([str(notification_id)] for notification_id in notification_ids))


def deliver(notification_id: uuid.UUID) -> str:
    """Deliver one notification if this worker wins the claim; return its status afterwards."""
    note = OUTBOX.claim(notification_id)
    if note is None:
        current = db.session.get(Notification, notification_id)
        return current.status if current else "missing"
    user = db.session.get(User, note.user_id)
    attempts = list(
        db.session.scalars(select(NotificationAttempt).where(NotificationAttempt.notification_id == note.id))
    )
    if note.address_kind == "email":
        email = next((attempt for attempt in attempts if attempt.channel == "email"), None) or _queue_email(note)
        outcome = _send_email(email)
        if outcome == "sent":
            return _finish(note, "sent", channel="email")
        if outcome == "waiting":  # the e-mail outbox retries after its backoff; the sweep comes back for it
            return note.status
    sms = next((attempt for attempt in attempts if attempt.channel == "sms"), None)
    if sms is None:
        _close_in_doubt(attempts)
        tried_wechat = any(attempt.channel == "wechat" for attempt in attempts)
        if note.address_kind != "phone" and not tried_wechat and _try_wechat(note, user):
            return _finish(note, "sent", channel="wechat")
        sms = _queue_sms(note, user)
        if sms is None:
            return _finish(note, "failed", error="no usable channel (no WeChat grant, no phone number)")
    return _send_sms(note, sms)


def _close_in_doubt(attempts: list[NotificationAttempt]) -> None:
    """A WeChat send whose worker died mid-call may or may not have arrived: never resend it, fall back to SMS."""
    for attempt in attempts:
        if attempt.outcome == "started":
            attempt.outcome, attempt.provider_message = "unknown", "worker stopped during the call"
            attempt.finished_at = clock.now()
    db.session.commit()


def _try_wechat(note: Notification, user: User | None) -> bool:
    """One subscribe-message send when a template and an unused grant exist; True when WeChat accepted it."""
    kind = notification_kinds.get(note.kind)
    template = notification_kinds.wechat_template(note.kind)
    if not template or user is None or not user.wechat_openid or not settings.wechat().appid:
        return False
    grant_id = _consume_grant(user.id, template)
    if grant_id is None:
        return False
    attempt = NotificationAttempt(notification_id=note.id, channel="wechat", outcome="started", grant_id=grant_id)
    db.session.add(attempt)
    db.session.commit()  # the grant is spent and the attempt is on record before the call leaves
    try:
        language = i18n.user_language(str(user.id))
        result = wechat_login.client().send_subscribe_message(
            user.wechat_openid,
            template,
            kind.page(note.data),
            notification_kinds.words(kind.wechat_data(note.data), language),
            lang=notification_kinds.WECHAT_LANG[language],
        )
    except (AppError, ValueError) as exc:
        _record(attempt, "error", provider="wechat", code=getattr(exc, "reason", "value_error"), message=str(exc))
        _restore_grant(grant_id)  # nothing reached the user: the grant is still good
        db.session.commit()
        return False
    outcome = "sent" if result.ok else ("refused" if result.refused else "failed")
    _record(attempt, outcome, provider="wechat", code=str(result.errcode), message=result.errmsg)
    if not result.ok and not result.refused:
        _restore_grant(grant_id)
    db.session.commit()
    return result.ok


def _consume_grant(user_id: uuid.UUID, template: str) -> uuid.UUID | None:
    """Spend one accepted grant atomically (two workers can never spend the same one)."""
    candidates = db.session.scalars(
        select(SubscriptionGrant.id).where(
            SubscriptionGrant.user_id == user_id,
            SubscriptionGrant.template_id == template,
            SubscriptionGrant.accepted.is_(True),
            SubscriptionGrant.remaining > 0,
        )
    ).all()
    for grant_id in candidates:
        spent = db.session.execute(
            update(SubscriptionGrant)
            .where(SubscriptionGrant.id == grant_id, SubscriptionGrant.remaining > 0)
            .values(remaining=SubscriptionGrant.remaining - 1)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; Session.execute is typed as Result
            return grant_id
    return None


def _restore_grant(grant_id: uuid.UUID) -> None:
    db.session.execute(
        update(SubscriptionGrant)
        .where(SubscriptionGrant.id == grant_id)
        .values(remaining=SubscriptionGrant.remaining + 1)
        .execution_options(synchronize_session=False)
    )


def _address(note: Notification) -> str:
    return pii.decrypt(note.address_enc or "", field="notification_address")


def _queue_sms(note: Notification, user: User | None) -> NotificationAttempt | None:
    """Put the SMS in the outbox and record the attempt in one commit (so it is never queued twice)."""
    if note.address_kind == "phone":
        phone = _address(note)
    elif user is not None and user.phone_enc:
        phone = pii.decrypt(user.phone_enc, field="phone")
    else:
        return None
    kind = notification_kinds.get(note.kind)
    language = i18n.user_language(str(note.user_id))  # the recipient's, whoever caused the notification
    params = notification_kinds.texts(kind.sms_params(note.data), language)
    message = notifications_sms.queue(phone=phone, template=kind.sms_template, params=params, language=language)
    attempt = NotificationAttempt(
        notification_id=note.id,
        channel="sms",
        outcome="queued",
        sms_message_id=message.id,
        address_masked=message.phone_masked,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _queue_email(note: Notification) -> NotificationAttempt:
    """Put the e-mail in the e-mail outbox and record the attempt in one commit (never queued twice)."""
    kind = notification_kinds.get(note.kind)
    template = kind.email_template or kind.name
    language = i18n.user_language(str(note.user_id))
    params = notification_kinds.texts(kind.email_params(note.data), language)
    message = email_outbox.queue(to=_address(note), template=template, params=params, language=language)
    attempt = NotificationAttempt(
        notification_id=note.id,
        channel="email",
        outcome="queued",
        email_message_id=message.id,
        address_masked=message.address_masked,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _send_email(attempt: NotificationAttempt) -> str:
    """Send (or look at) the outbox message: `sent`, `failed` (final) or `waiting` (its retry is due later)."""
    if attempt.outcome in ("sent", "failed"):
        return attempt.outcome
    message_id = attempt.email_message_id
    status = email_outbox.send(message_id) if message_id else "missing"
    message = db.session.get(EmailMessage, message_id) if message_id else None
    answer = (message.provider_message_id or message.error) if message else "message missing"
    provider = message.provider if message else None
    if status == "sent":
        _record(attempt, "sent", provider=provider, code="ok", message=answer)
    elif status in ("failed", "missing"):
        _record(attempt, "failed", provider=provider, code=status, message=answer)
    else:
        attempt.provider_message = (answer or "")[:255] or None
    db.session.commit()
    return attempt.outcome if attempt.outcome in ("sent", "failed") else "waiting"


def _send_sms(note: Notification, attempt: NotificationAttempt) -> str:
    """Send the outbox message (idempotent there) and copy the provider's answer onto the attempt."""
    message_id = attempt.sms_message_id
    status = notifications_sms.send(message_id) if message_id else "missing"
    message = db.session.get(SmsMessage, message_id) if message_id else None
    answer = (message.provider_message_id or message.error) if message else "message missing"
    if status == "sent" and message is not None:
        _record(attempt, "sent", provider=message.provider, code="ok", message=answer)
        return _finish(note, "sent", channel="sms")
    if status in ("failed", "missing"):
        _record(attempt, "failed", provider=message.provider if message else None, code=status, message=answer)
        return _finish(note, "failed", error=answer or "sms failed")
    attempt.provider_message = (answer or "")[:255] or None  # a retryable failure: the sweep tries again
    db.session.commit()
    return note.status


def _record(
    attempt: NotificationAttempt, outcome: str, *, provider: str | None, code: str, message: str | None
) -> None:
    attempt.outcome, attempt.provider, attempt.finished_at = outcome, provider, clock.now()
    attempt.provider_code = (code or "")[:32] or None
    attempt.provider_message = (message or "")[:255] or None


def _finish(note: Notification, status: str, *, channel: str | None = None, error: str | None = None) -> str:
    OUTBOX.finish(note, status, error=error)
    note.channel, note.finished_at = channel, clock.now()
    db.session.commit()
    hook = notification_kinds.get(note.kind).on_outcome
    if hook is not None:
        hook(note)
    log.info("notification %s", status, extra={"notification_id": str(note.id), "notification_kind": note.kind})
    return status


def stuck_ids(*, limit: int = 500) -> list[uuid.UUID]:
    """Notifications a worker never finished: pending past the grace time, or claimed by a dead worker."""
    waited = dt.timedelta(seconds=settings.notifications().pending_grace_seconds)
    return OUTBOX.sweep_ids(limit=limit, waited=waited)


def sweep() -> int:
    """Re-enqueue every notification no worker finished (the row is the source of truth)."""
    ids = stuck_ids()
    dispatch_many(ids)
    return len(ids)
