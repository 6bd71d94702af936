"""Development helpers, refused unless DEV_SMS_OUTBOX is on (never in production)."""

from __future__ import annotations

from app.errors import NotFound
from app.platform import settings
from app.sms import outbox
from app.sms.models import SmsMessage


def sms_outbox(*, phone: str) -> list[SmsMessage]:
    """Console messages to a phone (404 when the outbox is disabled)."""
    if not settings.notifications().dev_sms_outbox or settings.http().env_name == "production":
        raise NotFound("Not found.", reason="resource.not_found")
    return outbox.outbox_for(phone=phone)
