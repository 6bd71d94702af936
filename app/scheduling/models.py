"""Scheduling: mediators' working hours, people's unavailability, mediation sessions, attendance, reminders.

Double-booking is prevented in the booking transaction: `schedule_locks` holds one row per user, locked
(SELECT ... FOR UPDATE, in user-id order) before overlaps are checked, so two bookings that share a person
are serialised on PostgreSQL; SQLite serialises all writers anyway.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

SESSION_MODES = ("video", "phone", "in_person")
SESSION_KINDS = ("mediation", "hearing", "pretrial_meeting")  # a hearing (庭审) and a pre-trial meeting (庭前会议)
HEARING_KINDS = ("hearing", "pretrial_meeting")
HEARING_MODES = ("in_person", "video")
SESSION_STATUSES = ("scheduled", "cancelled", "held")
REMINDER_STATUSES = ("pending", "notified", "cancelled", "expired")


class WorkingHours(IdMixin, TimestampMixin, Model):
    """One weekly window in which a mediator takes sessions (local Asia/Shanghai minutes of the day)."""

    __tablename__ = "mediator_working_hours"
    __table_args__ = (
        Index(None, "user_id", "weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440", name="window"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    weekday: Mapped[int]  # 0 = Monday ... 6 = Sunday
    start_minute: Mapped[int]
    end_minute: Mapped[int]


class Unavailability(IdMixin, TimestampMixin, Model):
    """A period a person cannot attend: a party's or lawyer's declared dates, or a mediator's time off."""

    __tablename__ = "user_unavailability"
    __table_args__ = (
        Index(None, "user_id", "starts_at"),
        CheckConstraint("starts_at < ends_at", name="period"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    reason: Mapped[str | None] = mapped_column(String(200))


class Courtroom(IdMixin, TimestampMixin, Model):
    """A courtroom of a court (法庭): a resource a hearing books like a person, so it is never double-booked."""

    __tablename__ = "courtrooms"
    __table_args__ = (UniqueConstraint("court_id", "name"),)

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    location: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)


class MediationSession(IdMixin, TimestampMixin, Model):
    """A meeting of a case on the one schedule: a mediation session (its mediator), or a hearing or pre-trial
    meeting of a litigation case (its presiding judge, clerk and courtroom). The table keeps its first name."""

    __tablename__ = "mediation_sessions"
    __table_args__ = (
        Index(None, "case_id", "status", "starts_at"),
        Index(None, "mediator_user_id", "status", "starts_at"),
        Index(None, "judge_user_id", "status", "starts_at"),
        Index(None, "clerk_user_id", "status", "starts_at"),
        Index(None, "courtroom_id", "status", "starts_at"),
        CheckConstraint("starts_at < ends_at", name="period"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24), default="mediation", server_default="mediation")
    mediator_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    judge_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    clerk_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    courtroom_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courtrooms.id"))
    postponements: Mapped[list | None] = mapped_column(JSON)  # 延期开庭: [{at, by, reason, from, to}]
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    mode: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(255))
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_by: Mapped[uuid.UUID | None]
    cancelled_at: Mapped[dt.datetime | None]
    cancelled_by: Mapped[uuid.UUID | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    held_at: Mapped[dt.datetime | None]


class SessionAttendance(IdMixin, TimestampMixin, Model):
    """One participant's answer for a session (will attend or not) and, once held, whether they attended."""

    __tablename__ = "mediation_session_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_parties.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(16))  # mediator | judge | clerk | party | lawyer
    attending: Mapped[bool | None]
    confirmed_at: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))
    attended: Mapped[bool | None]
    # a hearing's absent party: may_be_treated_as_withdrawn (plaintiff) | default_judgment_possible (defendant)
    consequence: Mapped[str | None] = mapped_column(String(40))


class HearingSummons(IdMixin, TimestampMixin, Model):
    """A summons (传票) served on a party for a hearing; round 1 at booking, one more per postponement."""

    __tablename__ = "hearing_summons"
    __table_args__ = (UniqueConstraint("session_id", "party_id", "round"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    round: Mapped[int]
    document_id: Mapped[uuid.UUID | None]  # the served document (documents domain); None if it could not be made
    error: Mapped[str | None] = mapped_column(String(500))


class ScheduleLock(Model):
    """One row per person whose calendar a booking touches; locked in id order to serialise bookings."""

    __tablename__ = "schedule_locks"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class SessionReminder(IdMixin, TimestampMixin, Model):
    """A reminder due before a session for one participant; handed to the notification path once."""

    __tablename__ = "session_reminders"
    __table_args__ = (Index(None, "status", "remind_at"), Index(None, "session_id", "status"))

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    remind_at: Mapped[dt.datetime]
    offset_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    notification_id: Mapped[uuid.UUID | None]
