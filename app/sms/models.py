"""The SMS outbox: one row per text message to send, the source of truth for its sending."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class SmsMessage(IdMixin, TimestampMixin, Model):
    """An SMS to send (the row is the source of truth) and the provider's answer.

    Template parameters are kept encrypted only until the send; the text is kept only by the console
    gateway, which exists for developers.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (Index(None, "phone_index", "created_at"),)

    phone_index: Mapped[str] = mapped_column(String(64))
    phone_masked: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(String(500))
    params_enc: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[dt.datetime | None]  # the outbox lease: a claim older than the lease may be taken over
    sent_at: Mapped[dt.datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(255))
