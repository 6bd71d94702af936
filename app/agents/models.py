"""The court's approval of an agent where the law requires it, and what kind of agent it is."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

APPROVAL_STATUSES = ("pending", "approved", "refused", "withdrawn")


class AgentApproval(IdMixin, TimestampMixin, Model):
    """One per agent that needs the court: a citizen agent (公民代理) or, after acceptance, special authority.

    A lawyer with general authority never has a row. The row follows its agent: asked or appointed again after a
    refusal or revocation, it is pending again (the timeline keeps the history).
    """

    __tablename__ = "agent_approvals"
    __table_args__ = (Index(None, "court_id", "status", "requested_at"),)

    case_agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_agents.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"))
    agent_kind: Mapped[str] = mapped_column(String(16))  # lawyer | citizen
    citizen_basis: Mapped[str | None] = mapped_column(String(32))
    grounds: Mapped[list] = mapped_column(JSON, default=list)  # citizen_agent, special_authority
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[dt.datetime]
    decided_by_user_id: Mapped[uuid.UUID | None]
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
