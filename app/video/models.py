"""Video tables: rooms and their members, provider callbacks, attendance, recordings, minutes (笔录)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

ATTENDANCE_STATUSES = ("present", "absent", "dial_in", "in_person")
RECORDING_STATUSES = ("pending", "copying", "stored", "failed", "expired")
MINUTES_STATUSES = ("draft", "signing", "frozen")


class VideoRoom(IdMixin, TimestampMixin, Model):
    """The provider's room of one session (made at the first entry)."""

    __tablename__ = "video_rooms"
    __table_args__ = (UniqueConstraint("session_id"), UniqueConstraint("provider", "room_id"))

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    room_id: Mapped[str] = mapped_column(String(64))


class VideoRoomMember(IdMixin, TimestampMixin, Model):
    """A person given entry to a room, with the opaque id they have inside it (bound to their account)."""

    __tablename__ = "video_room_members"
    __table_args__ = (UniqueConstraint("room_id", "user_id"), UniqueConstraint("room_id", "room_user_id"))

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("video_rooms.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    room_user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # party | lawyer | mediator | judge | clerk
    party_id: Mapped[uuid.UUID | None]
    entries_issued: Mapped[int] = mapped_column(default=0)


class VideoCallback(IdMixin, Model):
    """One provider callback, once (dedupe_key is unique): the source attendance and recordings are rebuilt from."""

    __tablename__ = "video_callbacks"
    __table_args__ = (UniqueConstraint("dedupe_key"), Index(None, "room_id", "event_ms"))

    dedupe_key: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(16))
    event_group: Mapped[int]
    event_type: Mapped[int]
    room_id: Mapped[str] = mapped_column(String(64))
    room_user_id: Mapped[str | None] = mapped_column(String(64))
    event_ms: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[dt.datetime]


class VideoAttendance(IdMixin, TimestampMixin, Model):
    """A participant's attendance of a session as the provider saw it, or as the mediator or judge corrected it."""

    __tablename__ = "video_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # present | absent | dial_in | in_person
    first_joined_at: Mapped[dt.datetime | None]
    last_left_at: Mapped[dt.datetime | None]
    seconds_in_room: Mapped[int] = mapped_column(default=0)
    corrected_by: Mapped[uuid.UUID | None]
    correction_reason: Mapped[str | None] = mapped_column(String(500))


class VideoRecording(IdMixin, TimestampMixin, Model):
    """A cloud recording: the provider's reference, then our own copy (SHA-256, custody) until retention ends."""

    __tablename__ = "video_recordings"
    __table_args__ = (UniqueConstraint("provider", "file_id"), Index(None, "status", "updated_at"))

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(128))
    source_url: Mapped[str] = mapped_column(String(1000))
    duration_seconds: Mapped[int | None]
    provider_size: Mapped[int | None] = mapped_column(BigInteger)
    provider_hash: Mapped[str | None] = mapped_column(String(128))  # "md5:<hex>" or "sha256:<hex>" when given
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    storage_key: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    stored_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]
    custody: Mapped[list] = mapped_column(JSON, default=list)  # [{at, action, by, sha256?}]


class SessionMinutes(IdMixin, TimestampMixin, Model):
    """The minutes (笔录) of a session: a draft, then signing, then frozen with its SHA-256 and PDF."""

    __tablename__ = "session_minutes"
    __table_args__ = (UniqueConstraint("session_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author_user_id: Mapped[uuid.UUID]
    required_user_ids: Mapped[list] = mapped_column(JSON, default=list)  # fixed when signing opens
    frozen_at: Mapped[dt.datetime | None]
    pdf_key: Mapped[str | None] = mapped_column(String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))


class SessionMinutesVersion(IdMixin, Model):
    """Every saved text of the minutes, in order (nothing is overwritten)."""

    __tablename__ = "session_minutes_versions"
    __table_args__ = (UniqueConstraint("minutes_id", "version"),)

    minutes_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("session_minutes.id", ondelete="CASCADE"))
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    edited_by: Mapped[uuid.UUID]
    edited_at: Mapped[dt.datetime]


class SessionMinutesSignature(IdMixin, Model):
    """A participant's signature of the minutes as hashed, or their refusal with the reason."""

    __tablename__ = "session_minutes_signatures"
    __table_args__ = (UniqueConstraint("minutes_id", "user_id"),)

    minutes_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("session_minutes.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))  # signed | refused
    reason: Mapped[str | None] = mapped_column(String(500))
    minutes_sha256: Mapped[str] = mapped_column(String(64))
    minutes_version: Mapped[int]
    verified_name: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime]
