"""The SMS outbox: a row per message written with the change that caused it, sent by a background job."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.integrations.sms import SmsGateway, build_gateway, render
from app.notifications.sms_models import SmsMessage
from app.security import pii
from app.utils import clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def gateway() -> SmsGateway:
    """The configured gateway, built once per app."""
    built = current_app.extensions.get("microcourt.sms")
    if built is None:
        built = current_app.extensions["microcourt.sms"] = build_gateway(current_app.config)
    return built


def queue(*, phone: str, template: str, params: Mapping[str, str]) -> SmsMessage:
    """Add a message to the outbox in the caller's transaction (the caller commits, then dispatches)."""
    message = SmsMessage(
        phone_index=pii.blind_index(phone, field="phone"),
        phone_masked=pii.mask_phone(phone),
        template=template,
        params_enc=pii.encrypt(json.dumps({"phone": phone, "params": dict(params)}), field="sms_params"),
        text=render(template, params) if gateway().keeps_text else None,
    )
    db.session.add(message)
    db.session.flush()
    return message


def dispatch(message_id: uuid.UUID) -> None:
    """Enqueue the send after commit (runs at once in the embedded default)."""
    from app.notifications.sms_tasks import send_sms

    send_sms.delay(str(message_id))


def send(message_id: uuid.UUID) -> str:
    """Send one queued message (idempotent: a sent message is not sent again); return its status."""
    message = db.session.scalar(select(SmsMessage).where(SmsMessage.id == message_id).with_for_update())
    if message is None or message.status != "queued" or message.params_enc is None:
        return message.status if message else "missing"
    payload = json.loads(pii.decrypt(message.params_enc, field="sms_params"))
    result = gateway().send(phone=payload["phone"], template=message.template, params=payload["params"])
    message.attempts += 1
    message.provider = result.provider
    if result.ok:
        message.status, message.sent_at, message.provider_message_id = "sent", clock.now(), result.message_id
        message.params_enc = None  # the code is not kept once it has been handed over
    elif not result.retryable or message.attempts >= MAX_ATTEMPTS:
        message.status, message.error, message.params_enc = "failed", result.error, None
    else:
        message.error = result.error
    db.session.commit()
    log.info("sms %s", message.status, extra={"sms_id": str(message.id), "sms_template": message.template})
    return message.status


def pending_ids(*, older_than_seconds: int = 60, limit: int = 500) -> list[uuid.UUID]:
    """Queued messages that no worker has finished (for the re-enqueue sweep)."""
    cutoff = clock.now().timestamp() - older_than_seconds
    query = select(SmsMessage.id, SmsMessage.created_at).where(SmsMessage.status == "queued").limit(limit)
    return [row.id for row in db.session.execute(query) if row.created_at.timestamp() <= cutoff]


def outbox_for(*, phone: str, limit: int = 5) -> list[SmsMessage]:
    """Development only: the latest console messages to a phone (so a developer can read the code)."""
    index = pii.blind_index(pii.normalize_phone(phone), field="phone")
    query = select(SmsMessage).where(SmsMessage.phone_index == index).order_by(SmsMessage.created_at.desc())
    return list(db.session.scalars(query.limit(limit)))
