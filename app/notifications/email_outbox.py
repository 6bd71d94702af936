"""The e-mail outbox: a row per message written with the change that caused it, sent by a background job.

The same engine as SMS (app/platform/outbox.py): the job claims the row with a lease (the SMTP timeout plus a
margin, so two workers never send one message), sends once and records the answer. A retryable failure (server
down, timeout, 4xx) puts the row back to wait 60, 120, 240 ... s (with jitter, capped at an hour); the job's
retry or the sweep sends it when due. After MAX_ATTEMPTS, or a refusal (5xx), the row is `failed`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.i18n import languages
from app.integrations.email import Mailer, mask, render
from app.notifications.email_models import EmailMessage
from app.platform import adapters, jobs, settings
from app.platform.outbox import Outbox, backoff_seconds, gave_up
from app.security import pii
from app.utils import clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
SEND_TASK = "microcourt.email.send"
RETRY_BASE_SECONDS = 60.0
RETRY_CAP_SECONDS = 3600.0
FIELD = "email"


def _lease_seconds() -> float:
    return float(settings.notifications().email_smtp_timeout) * 3 + 30  # connect, STARTTLS and send


OUTBOX = Outbox(
    model=EmailMessage, waiting="queued", lease_seconds=_lease_seconds, error="error", due="next_attempt_at"
)


def mailer() -> Mailer:
    """The app's mailer (built once per app by the platform's adapters)."""
    return adapters.mailer()


def available() -> bool:
    """Whether e-mail can be sent at all (False: a production app without EMAIL_SMTP_HOST)."""
    return mailer().usable


def normalize(address: str) -> str:
    """The form an address is indexed under: trimmed, the domain in lower case."""
    local, _, domain = address.strip().partition("@")
    return f"{local}@{domain.lower()}"


def index(address: str) -> str:
    """Blind index of an address (to find a person's messages without decrypting them)."""
    return pii.blind_index(normalize(address), field=FIELD)


def queue(*, to: str, template: str, params: Mapping[str, str], language: str | None = None) -> EmailMessage:
    """Add a message to the outbox in the caller's transaction (the caller commits, then dispatches).

    `language` is the recipient's (`app.i18n.user_language`; None: Chinese); it travels with the encrypted
    parameters, so the job writes the message in it.
    """
    language = languages.normalise(language)
    subject, body = render(template, params, language)
    payload = {"to": to, "params": dict(params), "language": language}
    message = EmailMessage(
        address_index=index(to),
        address_masked=mask(to)[:128],
        template=template,
        subject=subject[:200],
        params_enc=pii.encrypt(json.dumps(payload), field="email_params"),
        text=body if mailer().keeps_text else None,
        next_attempt_at=clock.now(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def dispatch(message_id: uuid.UUID) -> None:
    """Enqueue the send after commit (runs at once in the embedded default)."""
    jobs.enqueue(SEND_TASK, str(message_id))


def send(message_id: uuid.UUID) -> str:
    """Send one queued message if this worker wins the claim (a sent message is never sent again)."""
    message = OUTBOX.claim(message_id)
    if message is None or message.params_enc is None:
        current = message or db.session.get(EmailMessage, message_id)
        return current.status if current else "missing"
    payload = json.loads(pii.decrypt(message.params_enc, field="email_params"))
    language = languages.normalise(payload.get("language"))  # a row queued before issue 21 has none: Chinese
    result = mailer().send(to=payload["to"], template=message.template, params=payload["params"], language=language)
    message.provider = result.provider
    if result.ok:
        OUTBOX.finish(message, "sent")
        message.sent_at, message.provider_message_id = clock.now(), result.message_id
        message.params_enc = None  # a code is not kept once it has been handed over
    elif not result.retryable or gave_up(attempts=message.attempts, max_attempts=MAX_ATTEMPTS):
        OUTBOX.finish(message, "failed", error=result.error)
        message.params_enc = None
    else:
        delay = backoff_seconds(message.attempts, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS)
        OUTBOX.retry_later(message, delay_seconds=delay, error=result.error)
    db.session.commit()
    log.info("email %s", message.status, extra={"email_id": str(message.id), "email_template": message.template})
    return message.status


def retry_delay(message_id: uuid.UUID) -> float | None:
    """Seconds until a message put back after a failure is due (None when it is not waiting, or another holds it)."""
    message = db.session.get(EmailMessage, message_id, populate_existing=True)
    if message is None or message.status != "queued" or message.claimed_at is not None:
        return None
    return max((message.next_attempt_at - clock.now()).total_seconds(), 0.0)


def sweep(*, limit: int = 500) -> int:
    """Re-enqueue messages that are due and that no worker holds (a lost job, or a retry whose wait is over)."""
    ids = OUTBOX.sweep_ids(limit=limit)
    for message_id in ids:
        dispatch(message_id)
    return len(ids)


def outbox_for(*, address: str, limit: int = 5) -> list[EmailMessage]:
    """Development only: the latest console messages to an address (so a developer can read the code)."""
    query = select(EmailMessage).where(EmailMessage.address_index == index(address))
    return list(db.session.scalars(query.order_by(EmailMessage.created_at.desc()).limit(limit)))


def dev_outbox(*, address: str) -> list[dict]:
    """The development e-mail outbox for one address, newest first (404 unless DEV_EMAIL_OUTBOX is on)."""
    if not settings.notifications().dev_email_outbox or settings.http().env_name == "production":
        raise NotFound("Not found.", reason="resource.not_found")
    return [
        {
            "template": message.template,
            "subject": message.subject,
            "text": message.text,
            "status": message.status,
            "created_at": message.created_at,
            "code": _code(message),
        }
        for message in outbox_for(address=address)
    ]


def _code(message: EmailMessage) -> str | None:
    if message.template != "service_address_code" or not message.text:
        return None
    digits = "".join(ch if ch.isdigit() else " " for ch in message.text.split("，", 1)[0]).split()
    return digits[0] if digits else None
