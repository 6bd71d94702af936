"""The evidence period (举证期限) of a litigation case and the extensions applied for or granted."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

EXTENSION_STATUSES = ("pending", "granted", "refused")


class EvidencePeriod(IdMixin, TimestampMixin, Model):
    """One per case: the procedure it was set under, the days set and extended, and its current end.

    `deadline` is the deadline engine's explained answer for the current end (the set period, or the last
    extension counted from the previous last day); `ends_at` is 24:00 Asia/Shanghai of `last_day`.
    """

    __tablename__ = "evidence_periods"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    procedure: Mapped[str] = mapped_column(String(16))  # ordinary | summary | small_claims
    days: Mapped[int]
    extended_days: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)  # 1 when set, +1 for every extension (one notice each)
    set_at: Mapped[dt.datetime]
    set_by_user_id: Mapped[uuid.UUID | None]
    reason: Mapped[str | None] = mapped_column(Text)
    last_day: Mapped[dt.date] = mapped_column(Date)
    ends_at: Mapped[dt.datetime]
    deadline: Mapped[dict] = mapped_column(JSON)
    notice_document_ids: Mapped[list] = mapped_column(JSON, default=list)


class EvidencePeriodExtension(IdMixin, TimestampMixin, Model):
    """A party's application to extend the period (pending until the court decides), or the court's own extension."""

    __tablename__ = "evidence_period_extensions"
    __table_args__ = (Index(None, "case_id", "created_at"), Index(None, "status", "created_at"))

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    period_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence_periods.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    applied_by_user_id: Mapped[uuid.UUID | None]
    requested_days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    granted_days: Mapped[int | None]
    decided_by_user_id: Mapped[uuid.UUID | None]
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    previous_ends_at: Mapped[dt.datetime | None]
    new_ends_at: Mapped[dt.datetime | None]
