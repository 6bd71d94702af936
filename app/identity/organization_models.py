"""Courts and mediation organisations, and the memberships that make people their staff."""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

COURT_ROLES = ("clerk", "judge")
ORG_ROLES = ("mediator", "org_admin")
ORG_TYPES = ("peoples_committee", "industry", "court_annexed", "commercial", "other")


class Court(IdMixin, TimestampMixin, Model):
    """A people's court, known by its code such as 浙0212 (used in case numbers)."""

    __tablename__ = "courts"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(default=True)


class MediationOrganization(IdMixin, TimestampMixin, Model):
    """A mediation organisation: people's mediation committee, industry body, court-annexed office..."""

    __tablename__ = "mediation_organizations"

    name: Mapped[str] = mapped_column(String(120))
    org_type: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(64), index=True)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class MediationOrgCourt(TimestampMixin, Model):
    """A court an organisation is linked to (court-annexed or entrusted mediation, 委派/委托调解)."""

    __tablename__ = "mediation_org_courts"
    __table_args__ = (Index(None, "court_id", "org_id"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mediation_organizations.id", ondelete="CASCADE"), primary_key=True
    )
    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id", ondelete="CASCADE"), primary_key=True)


class CourtMembership(IdMixin, TimestampMixin, Model):
    """A user working for a court as clerk or judge."""

    __tablename__ = "court_memberships"
    __table_args__ = (UniqueConstraint("court_id", "user_id", "role"), Index(None, "user_id"))

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)


class OrgMembership(IdMixin, TimestampMixin, Model):
    """A user working for a mediation organisation as mediator or organisation admin."""

    __tablename__ = "org_memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id", "role"), Index(None, "user_id"))

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_organizations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
