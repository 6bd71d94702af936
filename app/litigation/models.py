"""Litigation after acceptance: the decision (结案) and its legal effect, appeals (上诉), enforcement applications."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class LitigationDecision(IdMixin, TimestampMixin, Model):
    """How a litigation case ends (one per case): the closing method, when decided, served and legally effective.

    state: recorded (decided, the document not yet served) | served (adjudicated, the appeal periods running)
    | appealed | effective | closed (结案 without a served decision).
    """

    __tablename__ = "litigation_decisions"
    __table_args__ = (Index(None, "state", "appeal_ends_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    closing_method: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[dt.datetime]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    performance_days: Mapped[int | None]  # the performance period the decision sets, from its legal effect
    served_at: Mapped[dt.datetime | None]  # first service on a party (the case became adjudicated)
    appeal_ends_at: Mapped[dt.datetime | None]  # when every party was served: the latest end of their periods
    effective_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class Appeal(IdMixin, TimestampMixin, Model):
    """A party's appeal (上诉) against the served decision, filed with the first-instance court."""

    __tablename__ = "litigation_appeals"
    __table_args__ = (UniqueConstraint("case_id", "party_id"), Index(None, "court_id", "status", "filed_at"))

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("served_documents.id", ondelete="CASCADE"))
    filed_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    filed_as: Mapped[str] = mapped_column(String(16))  # party | lawyer
    statement: Mapped[str] = mapped_column(Text)  # 上诉请求
    grounds: Mapped[str] = mapped_column(Text)  # 上诉理由
    evidence_ids: Mapped[list] = mapped_column(JSON, default=list)
    filed_at: Mapped[dt.datetime]
    deadline_ends_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="filed")  # filed | acknowledged | forwarded
    acknowledged_at: Mapped[dt.datetime | None]
    forwarded_at: Mapped[dt.datetime | None]
    court_note: Mapped[str | None] = mapped_column(Text)


class EnforcementApplication(IdMixin, TimestampMixin, Model):
    """An application for enforcement (申请执行) of an effective decision or a confirmed mediation agreement."""

    __tablename__ = "enforcement_applications"
    __table_args__ = (
        Index(None, "origin_case_id", "applied_at"),
        Index(None, "court_id", "status", "applied_at"),
    )

    origin_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"))  # the enforcement court
    applicant_party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    applied_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    request: Mapped[str] = mapped_column(Text)  # what is to be enforced (执行请求)
    property_clues: Mapped[list] = mapped_column(JSON, default=list)  # [{kind, description}]
    applied_at: Mapped[dt.datetime]
    limitation_ends_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted | accepted | rejected
    case_number: Mapped[str | None] = mapped_column(String(64), unique=True)  # (2027)浙0212执123号
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_reason: Mapped[str | None] = mapped_column(Text)
