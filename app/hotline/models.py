"""12368 hotline calls: who called (phone encrypted), what about, and the case an operator filed for them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

CALL_CATEGORIES = ("filing", "inquiry", "consultation", "complaint", "other")


class HotlineCall(IdMixin, TimestampMixin, Model):
    """One call taken by an operator; with a filed case it carries the (hashed) code the caller claims it with."""

    __tablename__ = "hotline_calls"
    __table_args__ = (
        Index(None, "operator_user_id", "created_at", "id"),
        Index(None, "caller_phone_index"),
        Index(None, "created_at"),  # statistics: calls over a period
    )

    operator_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    caller_phone_enc: Mapped[str] = mapped_column(Text)
    caller_phone_index: Mapped[str] = mapped_column(String(64))
    caller_name: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), unique=True)
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_parties.id", ondelete="SET NULL"))
    claim_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    claim_expires_at: Mapped[dt.datetime | None]
    claimed_at: Mapped[dt.datetime | None]
    claimed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
