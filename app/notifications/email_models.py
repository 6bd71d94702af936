"""The e-mail outbox: one row per message to send, the source of truth for its sending."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class EmailMessage(IdMixin, TimestampMixin, Model):
    """An e-mail to send (the row is the source of truth) and the server's answer.

    The address and the template parameters are kept encrypted only until the send; the text is kept only by the
    console mailer, which exists for developers. A failed attempt waits until `next_attempt_at` (backoff).
    """

    __tablename__ = "email_messages"
    __table_args__ = (Index(None, "address_index", "created_at"), Index(None, "status", "next_attempt_at"))

    address_index: Mapped[str] = mapped_column(String(64))
    address_masked: Mapped[str] = mapped_column(String(128))
    template: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(Text)
    params_enc: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[dt.datetime | None]  # the outbox lease
    next_attempt_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(255))
