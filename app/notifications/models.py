"""Notifications to people: the row is the source of truth, each channel attempt is kept with its answer."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed")


class Notification(IdMixin, TimestampMixin, Model):
    """Something to tell one user (a kind plus its data), delivered by a job through WeChat, SMS or e-mail."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index(None, "status", "created_at"),
        Index(None, "user_id", "created_at"),
        Index(None, "subject_type", "subject_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    channel: Mapped[str | None] = mapped_column(String(16))
    claims: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(255))
    # A set address (the recipient's confirmed service address) replaces the account's channels: phone -> SMS to
    # that number, email -> an e-mail. None: WeChat subscribe message, else SMS to the account's phone.
    address_kind: Mapped[str | None] = mapped_column(String(16))
    address_enc: Mapped[str | None] = mapped_column(Text)


class NotificationAttempt(IdMixin, TimestampMixin, Model):
    """One try on one channel and what the provider answered (outcome, code, message)."""

    __tablename__ = "notification_attempts"
    __table_args__ = (Index(None, "notification_id", "created_at"),)

    notification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # wechat | sms | email
    outcome: Mapped[str] = mapped_column(String(16))  # started | queued | sent | refused | failed | error | unknown
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_code: Mapped[str | None] = mapped_column(String(32))
    provider_message: Mapped[str | None] = mapped_column(String(255))
    grant_id: Mapped[uuid.UUID | None]
    sms_message_id: Mapped[uuid.UUID | None]
    email_message_id: Mapped[uuid.UUID | None]
    address_masked: Mapped[str | None] = mapped_column(String(128))  # where the SMS or e-mail went, masked
    finished_at: Mapped[dt.datetime | None]
