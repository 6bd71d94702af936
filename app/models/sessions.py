"""Login sessions: refresh-token families, SMS codes and the SMS outbox, machine clients of courts."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import IdMixin, TimestampMixin


class AuthSession(IdMixin, TimestampMixin, db.Model):
    """A refresh-token family: one login on one device; revoking it ends access at once."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index(None, "user_id", "revoked_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(IdMixin, TimestampMixin, db.Model):
    """One opaque refresh token, stored as its SHA-256; spent when rotated."""

    __tablename__ = "refresh_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    spent_at: Mapped[dt.datetime | None]


class SmsCode(IdMixin, TimestampMixin, db.Model):
    """A one-time login code: hashed, short-lived, single use, burnt after too many wrong tries."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index(None, "phone_index", "created_at"),)

    phone_index: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[dt.datetime | None]


class SmsMessage(IdMixin, TimestampMixin, db.Model):
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
    sent_at: Mapped[dt.datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(255))


class MachineClient(IdMixin, TimestampMixin, db.Model):
    """A court system calling the court API with client credentials; secrets stored as hashes."""

    __tablename__ = "machine_clients"

    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_valid_until: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
