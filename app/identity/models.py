"""People: users (with encrypted phone and ID numbers), platform roles, lawyer profiles, WeChat data."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

PLATFORM_ROLES = ("platform_admin", "hotline_operator")


class User(IdMixin, TimestampMixin, Model):
    """One person, one account: found by WeChat openid or by the blind index of the phone number."""

    __tablename__ = "users"

    display_name: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    wechat_unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    real_name: Mapped[str | None] = mapped_column(String(64))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    verification_status: Mapped[str] = mapped_column(String(16), default="unverified")
    verification_provider: Mapped[str | None] = mapped_column(String(32))
    verification_reference: Mapped[str | None] = mapped_column(String(128))
    verified_at: Mapped[dt.datetime | None]
    # The person's explicit choice for texts sent later ('zh' / 'en'); NULL: none made (app/identity/language.py).
    language: Mapped[str | None] = mapped_column(String(8))


class UserRole(IdMixin, TimestampMixin, Model):
    """A platform-wide role (platform_admin, hotline_operator) granted to a user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[uuid.UUID | None]


class LawyerProfile(IdMixin, TimestampMixin, Model):
    """A lawyer's licence and firm, pending until a platform admin verifies it."""

    __tablename__ = "lawyer_profiles"
    __table_args__ = (Index(None, "status", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    license_number: Mapped[str] = mapped_column(String(32), unique=True)
    law_firm: Mapped[str] = mapped_column(String(120))
    practice_region: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewed_by: Mapped[uuid.UUID | None]
    reviewed_at: Mapped[dt.datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(500))


class WeChatSessionKey(TimestampMixin, Model):
    """The latest WeChat session_key of a user, encrypted; it never leaves the server."""

    __tablename__ = "wechat_session_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    session_key_enc: Mapped[str] = mapped_column(Text)


class SubscriptionGrant(IdMixin, TimestampMixin, Model):
    """A subscribe-message grant: one accepted one-time grant allows one send of that template."""

    __tablename__ = "subscription_grants"
    __table_args__ = (Index(None, "user_id", "template_id", "remaining"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    template_id: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[bool]
    remaining: Mapped[int] = mapped_column(default=0)
