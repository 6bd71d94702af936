"""Login sessions (refresh-token families and their tokens) and SMS login codes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class AuthSession(IdMixin, TimestampMixin, Model):
    """A refresh-token family: one login on one device; revoking it ends access at once."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index(None, "user_id", "revoked_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(IdMixin, TimestampMixin, Model):
    """One opaque refresh token, stored as its SHA-256; spent when rotated."""

    __tablename__ = "refresh_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    spent_at: Mapped[dt.datetime | None]


class SmsCode(IdMixin, TimestampMixin, Model):
    """A one-time login code: hashed, short-lived, single use, burnt after too many wrong tries."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index(None, "phone_index", "created_at"),)

    phone_index: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[dt.datetime | None]
