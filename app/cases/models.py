"""Cases: disputes for mediation and filings for litigation, their parties, agents, consents and timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

KINDS = ("mediation", "litigation")
PARTY_ROLES = {
    "mediation": ("applicant", "respondent", "third_party"),
    "litigation": ("plaintiff", "defendant", "third_party"),
}
FILER_ROLES = ("applicant", "plaintiff")
OPPOSING_ROLES = ("respondent", "defendant")


class Case(IdMixin, TimestampMixin, Model):
    """A dispute brought for mediation or a filing for litigation; everything else hangs on it."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("filed_by_user_id", "creation_key"),
        Index(None, "court_id", "kind", "status", "submitted_at"),
        Index(None, "org_id", "status", "submitted_at"),
        Index(None, "filed_by_user_id", "created_at"),
        Index(None, "concluded_at", "outcome"),
        Index(None, "submitted_at", "kind"),
        # The caller's case list, newest first, per relation (services/case_queries.list_cases):
        Index(None, "court_id", "created_at", "id"),
        Index(None, "org_id", "created_at", "id"),
        Index(None, "mediator_user_id", "created_at", "id"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(40))
    court_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courts.id"))
    org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mediation_organizations.id"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    claims: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    case_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    filed_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    filed_via: Mapped[str] = mapped_column(String(16), default="self")
    creation_key: Mapped[str | None] = mapped_column(String(255))
    submitted_at: Mapped[dt.datetime]
    review_due_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    origin_case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    mediator_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # For statistics, set once by the state machine and at filing (so aggregates need no per-row calendar work):
    outcome: Mapped[str | None] = mapped_column(String(16))
    concluded_at: Mapped[dt.datetime | None]
    concluded_on_working_day: Mapped[bool | None]
    filed_off_hours: Mapped[bool | None]


class CaseParty(IdMixin, TimestampMixin, Model):
    """A party to a case: a natural person or an organisation, linked to a user once they join."""

    __tablename__ = "case_parties"
    __table_args__ = (Index(None, "user_id", "case_id"), Index(None, "case_id"), Index(None, "phone_index"))

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    party_type: Mapped[str] = mapped_column(String(16), default="person")
    name: Mapped[str] = mapped_column(String(120))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(64))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_index: Mapped[str | None] = mapped_column(String(64))
    org_code: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[dt.datetime | None]
    # No domicile in China: 30 days to appeal (CPL Art. 286); set by the court (app/litigation/court_actions.py)
    domicile_abroad: Mapped[bool] = mapped_column(default=False, server_default=false())


class CaseAgent(IdMixin, TimestampMixin, Model):
    """A lawyer acting for a party under a recorded authorisation (power of attorney)."""

    __tablename__ = "case_agents"
    __table_args__ = (
        UniqueConstraint("party_id", "lawyer_user_id"),
        Index(None, "lawyer_user_id", "status"),
        Index(None, "case_id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    lawyer_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    authority: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    power_of_attorney_evidence_id: Mapped[uuid.UUID | None]
    requested_by: Mapped[uuid.UUID | None]
    confirmed_by: Mapped[uuid.UUID | None]
    confirmed_at: Mapped[dt.datetime | None]


class CaseConsent(IdMixin, TimestampMixin, Model):
    """A party's consent to e-service (with the confirmed address) or to online mediation; withdrawable."""

    __tablename__ = "case_consents"
    __table_args__ = (Index(None, "case_id", "party_id", "kind"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    given: Mapped[bool]
    address: Mapped[str | None] = mapped_column(String(255))
    address_confirmed: Mapped[bool] = mapped_column(default=False)
    method: Mapped[str] = mapped_column(String(24))
    recorded_by: Mapped[uuid.UUID | None]
    given_at: Mapped[dt.datetime]
    withdrawn_at: Mapped[dt.datetime | None]


class TimelineEvent(IdMixin, Model):
    """One append-only entry of a case's history: who did what, when, from which state to which, and why."""

    __tablename__ = "case_timeline"
    __table_args__ = (Index(None, "case_id", "at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime]
    type: Mapped[str] = mapped_column(String(48))
    actor_user_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class CaseNumberSequence(Model):
    """The last case-number sequence used per court, year and case type (gap-free, locked on use)."""

    __tablename__ = "case_number_sequences"

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    type_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class CorrectionRequest(IdMixin, TimestampMixin, Model):
    """A court's request that the filer correct or complete a filing (补正), and the filer's answer."""

    __tablename__ = "case_corrections"
    __table_args__ = (Index(None, "case_id", "created_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    items: Mapped[list] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime]
    requested_by: Mapped[uuid.UUID | None]
    answered_at: Mapped[dt.datetime | None]
    answer: Mapped[dict | None] = mapped_column(JSON)
