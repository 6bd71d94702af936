"""Development helpers, refused unless DEV_SMS_OUTBOX is on (never in production)."""

from __future__ import annotations

from flask import current_app

from app.errors import NotFound
from app.sms import outbox
from app.sms.models import SmsMessage


def sms_outbox(*, phone: str) -> list[SmsMessage]:
    """Console messages to a phone (404 when the outbox is disabled)."""
    if not current_app.config["DEV_SMS_OUTBOX"] or current_app.config["MICROCOURT_ENV"] == "production":
        raise NotFound("Not found.", reason="resource.not_found")
    return outbox.outbox_for(phone=phone)
