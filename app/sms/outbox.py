"""The SMS outbox: a row per message written with the change that caused it, sent by a background job.

Sending runs on the outbox engine (app/platform/outbox.py): the job claims the row with a lease (the
gateway's timeout plus a margin, so two workers never send one message), sends once, and records the
answer. A retryable failure leaves the row `queued` (the job retries with backoff; the sweep finds rows
whose job was lost); after MAX_ATTEMPTS, or a refusal, the row is `failed`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Mapping

from sqlalchemy import select

from app.extensions import db
from app.i18n import languages
from app.integrations.sms import SmsGateway, render
from app.platform import adapters, jobs, settings
from app.platform.outbox import Outbox, gave_up
from app.security import pii
from app.sms.models import SmsMessage
from app.utils import clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
SEND_TASK = "microcourt.sms.send"
RETRY_BASE_SECONDS = 30  # the job's retries wait 30, 60, 120, 240 s
SWEEP_AFTER = dt.timedelta(seconds=60)  # a queued row this old has lost its job (or is between retries)


def _lease_seconds() -> float:
    return float(settings.notifications().sms_http_timeout) + 30


# Outbox[SmsMessage], inferred from `model`: written out, mypy checks the type argument before it reads the
# model's Mapped columns as values and wrongly refuses it (python/mypy#20317).
OUTBOX = Outbox(model=SmsMessage, waiting="queued", lease_seconds=_lease_seconds, error="error")


def gateway() -> SmsGateway:
    """The app's gateway (built once per app by the platform's adapters)."""
    return adapters.sms_gateway()


def queue(*, phone: str, template: str, params: Mapping[str, str], language: str | None = None) -> SmsMessage:
    """Add a message to the outbox in the caller's transaction (the caller commits, then dispatches).

    `language` is the recipient's (`app.i18n.user_language(user_id)` for a person with an account); a phone that
    belongs to no user (a served party, a hotline caller) gets None: Chinese. `params` are already words in that
    language (names, numbers, dates; a term rendered by the caller). The language travels with the encrypted
    parameters, so the text is written in it when the job sends.
    """
    language = languages.normalise(language)
    payload = {"phone": phone, "params": dict(params), "language": language}
    message = SmsMessage(
        phone_index=pii.blind_index(phone, field="phone"),
        phone_masked=pii.mask_phone(phone),
        template=template,
        params_enc=pii.encrypt(json.dumps(payload), field="sms_params"),
        text=render(template, params, language) if gateway().keeps_text else None,
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
        current = message or db.session.get(SmsMessage, message_id)
        return current.status if current else "missing"
    payload = json.loads(pii.decrypt(message.params_enc, field="sms_params"))
    language = languages.normalise(payload.get("language"))  # a row queued before issue 21 has none: Chinese
    result = gateway().send(
        phone=payload["phone"], template=message.template, params=payload["params"], language=language
    )
    message.provider = result.provider
    if result.ok:
        OUTBOX.finish(message, "sent")
        message.sent_at, message.provider_message_id = clock.now(), result.message_id
        message.params_enc = None  # the code is not kept once it has been handed over
    elif not result.retryable or gave_up(attempts=message.attempts, max_attempts=MAX_ATTEMPTS):
        OUTBOX.finish(message, "failed", error=result.error)
        message.params_enc = None
    else:
        OUTBOX.retry_later(message, delay_seconds=0, error=result.error)  # the job's retry or the sweep resends
    db.session.commit()
    log.info("sms %s", message.status, extra={"sms_id": str(message.id), "sms_template": message.template})
    return message.status


def sweep(*, limit: int = 500) -> int:
    """Re-enqueue queued messages that no worker has finished (the row is the source of truth)."""
    ids = OUTBOX.sweep_ids(limit=limit, waited=SWEEP_AFTER)
    for message_id in ids:
        dispatch(message_id)
    return len(ids)


def outbox_for(*, phone: str, limit: int = 5) -> list[SmsMessage]:
    """Development only: the latest console messages to a phone (so a developer can read the code)."""
    index = pii.blind_index(pii.normalize_phone(phone), field="phone")
    query = select(SmsMessage).where(SmsMessage.phone_index == index).order_by(SmsMessage.created_at.desc())
    return list(db.session.scalars(query.limit(limit)))
