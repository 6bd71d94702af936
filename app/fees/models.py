"""Litigation fees: the payment notices, the append-only ledger, and applications for deferral, reduction or
waiver (缓交、减交、免交).

Every amount is an integer number of fen (1 yuan = 100 fen).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin
from app.utils import clock

# What a ledger entry records. "due" and "adjusted" add to what is owed; "waived" and "reduced" take from it;
# "paid" and "refunded" move money; "deferred" notes an amount whose deadline moved (it changes no balance).
LEDGER_KINDS = ("due", "paid", "refunded", "waived", "reduced", "deferred", "adjusted")
NOTICE_STATUSES = ("unpaid", "paid", "deferred", "waived", "treated_as_withdrawn")
NOTICE_PURPOSES = ("acceptance", "appeal", "application")
RELIEF_KINDS = ("deferral", "reduction", "waiver")
RELIEF_STATUSES = ("pending", "granted", "partial", "refused")


class LedgerEntry(IdMixin, Model):
    """One movement of a case's fees for one payer: never updated, never deleted (see app.fees.ledger)."""

    __tablename__ = "fee_ledger_entries"
    __table_args__ = (
        UniqueConstraint("kind", "reference"),
        Index(None, "case_id", "party_id", "created_at"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(128))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class FeeNotice(IdMixin, TimestampMixin, Model):
    """The payment notice (交纳诉讼费用通知书): what one party must pay, on what basis, by when."""

    __tablename__ = "fee_notices"
    __table_args__ = (
        UniqueConstraint("case_id", "party_id", "purpose"),
        Index(None, "court_id", "status", "due_at"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    court_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courts.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="acceptance")
    amount_fen: Mapped[int] = mapped_column(Integer)  # what is still to be paid under this notice
    original_amount_fen: Mapped[int] = mapped_column(Integer)
    basis: Mapped[dict] = mapped_column(JSON)  # the calculation: article, bracket, arithmetic lines
    deadline: Mapped[dict] = mapped_column(JSON)  # the deadline engine's explanation
    issued_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime | None]  # 24:00 Asia/Shanghai of the last day (None if the calendar is missing)
    status: Mapped[str] = mapped_column(String(24), default="unpaid")
    reminders_sent: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["2_days_before", "last_day"]
    overdue_flagged_at: Mapped[dt.datetime | None]  # when the clerk's queue got it
    settled_at: Mapped[dt.datetime | None]


class FeeRelief(IdMixin, TimestampMixin, Model):
    """A party's application to defer, reduce or waive a notice's fees, and the court's decision."""

    __tablename__ = "fee_reliefs"
    __table_args__ = (Index(None, "notice_id", "created_at"), Index(None, "case_id", "status"))

    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fee_notices.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text)
    evidence_ids: Mapped[list] = mapped_column(JSON, default=list)
    requested_amount_fen: Mapped[int | None] = mapped_column(Integer)  # reduction: how much less
    requested_until: Mapped[dt.date | None] = mapped_column(Date)  # deferral: pay by
    applied_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    granted_amount_fen: Mapped[int | None] = mapped_column(Integer)
    granted_until: Mapped[dt.date | None] = mapped_column(Date)


class FeeCourtSetting(Model):
    """A court's own fee settings: whether it asks for the acceptance fee at filing (prepayment) rather than at
    acceptance. A court without a row takes the default (at acceptance)."""

    __tablename__ = "fee_court_settings"

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id", ondelete="CASCADE"), primary_key=True)
    prepay_at_filing: Mapped[bool] = mapped_column(default=False)
    updated_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
