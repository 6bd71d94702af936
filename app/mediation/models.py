"""Mediation: the directory's search rows, mediator profiles, assignments, agreements, judicial confirmation."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from app.errors import Conflict
from app.extensions import Model
from app.identity import MediationOrganization
from app.platform.db import IdMixin, TimestampMixin

ALL_CATEGORIES = "*"  # an organisation that lists no categories takes every category
ASSIGNMENT_STATES = ("pending", "accepted", "declined", "superseded")
CONFIRMATION_STATES = ("awaiting_consent", "submitted", "accepted", "confirmed", "rejected")
DELEGATION_STAGES = ("pre_filing", "post_filing")  # 委派调解 | 委托调解
DELEGATION_STATES = ("sent", "accepted", "declined", "expired", "returned", "recalled")


class OrgFacet(Model):
    """One region or category an organisation serves: the index-backed search rows of the directory.

    Derived from MediationOrganization.region/regions/categories on every flush (listener below);
    nothing else writes them.
    """

    __tablename__ = "mediation_org_facets"
    __table_args__ = (Index(None, "facet", "value", "org_id"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mediation_organizations.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)  # "region" | "category"
    value: Mapped[str] = mapped_column(String(64), primary_key=True)


class MediatorProfile(IdMixin, TimestampMixin, Model):
    """A mediator's public directory entry at one organisation: specialties, region, load limit."""

    __tablename__ = "mediator_profiles"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        Index(None, "org_id", "created_at"),
        Index(None, "org_id", "region"),
        Index(None, "user_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_organizations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(64))
    bio: Mapped[str | None] = mapped_column(String(500))
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(64))
    max_load: Mapped[int] = mapped_column(default=10)
    accepting: Mapped[bool] = mapped_column(default=True)


class MediatorSpecialty(Model):
    """One category a mediator specialises in (search rows derived from MediatorProfile.specialties)."""

    __tablename__ = "mediator_specialties"
    __table_args__ = (Index(None, "category", "profile_id"),)

    profile_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mediator_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(64), primary_key=True)


class MediatorAssignment(IdMixin, TimestampMixin, Model):
    """A case offered to a mediator (by a party's choice or an org admin), and the mediator's answer.

    An accepted assignment carries the mediation clock: due_at, warn_at and warned_at (the warning
    job's idempotence marker).
    """

    __tablename__ = "mediator_assignments"
    __table_args__ = (
        Index(None, "case_id", "created_at"),
        Index(None, "mediator_user_id", "status"),
        Index(None, "status", "warn_at"),
        # one open offer and one accepted mediator per case, whatever races
        Index(
            "uq_mediator_assignments_case_id_pending",
            "case_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "uq_mediator_assignments_case_id_accepted",
            "case_id",
            unique=True,
            sqlite_where=text("status = 'accepted'"),
            postgresql_where=text("status = 'accepted'"),
        ),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    profile_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediator_profiles.id"))
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_organizations.id"))
    mediator_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    assigned_via: Mapped[str] = mapped_column(String(16))  # "party" | "org_admin"
    assigned_by: Mapped[uuid.UUID | None]
    responded_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    accepted_at: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None]
    warn_at: Mapped[dt.datetime | None]
    warned_at: Mapped[dt.datetime | None]


class MediationAgreement(IdMixin, TimestampMixin, Model):
    """The mediation agreement of a settled case: rendered text and its SHA-256; frozen once anyone signed."""

    __tablename__ = "mediation_agreements"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    template: Mapped[str] = mapped_column(String(32))
    terms: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    drafted_by: Mapped[uuid.UUID | None]
    effective_at: Mapped[dt.datetime | None]


class AgreementSignature(IdMixin, Model):
    """One party's signature, bound to the exact text (its SHA-256) the party signed."""

    __tablename__ = "mediation_agreement_signatures"
    __table_args__ = (UniqueConstraint("agreement_id", "party_id"),)

    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_agreements.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[dt.datetime]
    agreement_sha256: Mapped[str] = mapped_column(String(64))
    agreement_version: Mapped[int]
    verified_name: Mapped[str] = mapped_column(String(120))
    signature_evidence_id: Mapped[uuid.UUID | None]


class JudicialConfirmation(IdMixin, TimestampMixin, Model):
    """An application for judicial confirmation (司法确认) of an effective agreement, and the court's answer."""

    __tablename__ = "judicial_confirmations"
    __table_args__ = (Index(None, "court_id", "status", "submitted_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    agreement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_agreements.id"))
    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"))
    status: Mapped[str] = mapped_column(String(24))
    applied_by_party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id"))
    applied_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[dt.datetime]
    window_ends_at: Mapped[dt.datetime]
    submitted_at: Mapped[dt.datetime | None]
    accept_due_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    accepted_late: Mapped[bool] = mapped_column(default=False)
    accepted_by: Mapped[uuid.UUID | None]
    case_number: Mapped[str | None] = mapped_column(String(64))
    decide_due_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[uuid.UUID | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)


class ConfirmationConsent(IdMixin, Model):
    """A party joining the application for judicial confirmation (the applicant's own is recorded at once)."""

    __tablename__ = "judicial_confirmation_consents"
    __table_args__ = (UniqueConstraint("confirmation_id", "party_id"),)

    confirmation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("judicial_confirmations.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime]
    as_applicant: Mapped[bool] = mapped_column(default=False)


class CourtDelegation(IdMixin, TimestampMixin, Model):
    """A court sending a dispute (委派调解, before filing) or a case (委托调解, after filing) to a linked
    organisation, the organisation's answer and the outcome returned (app/mediation/delegation.py)."""

    __tablename__ = "court_delegations"
    __table_args__ = (
        Index(None, "court_id", "created_at", "id"),
        Index(None, "org_id", "state", "created_at"),
        Index(None, "state", "due_date"),  # the sweep: sent or accepted ones past their due date, earliest first
        Index(None, "mediation_case_id"),
        # one live delegation per case, whatever races
        Index(
            "uq_court_delegations_case_id_live",
            "case_id",
            unique=True,
            sqlite_where=text("state IN ('sent', 'accepted')"),
            postgresql_where=text("state IN ('sent', 'accepted')"),
        ),
    )

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"))
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediation_organizations.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    mediation_case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    stage: Mapped[str] = mapped_column(String(16))  # DELEGATION_STAGES
    state: Mapped[str] = mapped_column(String(16), default="sent")  # DELEGATION_STATES
    due_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(1000))
    sent_by: Mapped[str | None] = mapped_column(String(64))  # the actor's subject (a user or a court system)
    sent_at: Mapped[dt.datetime]
    responded_by: Mapped[uuid.UUID | None]
    responded_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    returned_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # "settled" | "failed"


def org_facet_values(org: MediationOrganization) -> set[tuple[str, str]]:
    """The (facet, value) search rows an organisation's directory data implies."""
    regions = {org.region, *(org.regions or [])}
    categories = set(org.categories or []) or {ALL_CATEGORIES}
    rows = {("region", value.strip()) for value in regions if value and value.strip()}
    return rows | {("category", value.strip()) for value in categories if value and value.strip()}


def _changed(target: object, *names: str) -> bool:
    state = inspect(target)
    return any(state.attrs[name].history.has_changes() for name in names)


def _write_org_facets(connection: Connection, target: MediationOrganization) -> None:
    connection.execute(delete(OrgFacet).where(OrgFacet.org_id == target.id))
    rows = [{"org_id": target.id, "facet": f, "value": v[:64]} for f, v in sorted(org_facet_values(target))]
    if rows:
        connection.execute(insert(OrgFacet), rows)


def _write_specialties(connection: Connection, target: MediatorProfile) -> None:
    connection.execute(delete(MediatorSpecialty).where(MediatorSpecialty.profile_id == target.id))
    rows = [{"profile_id": target.id, "category": c[:64]} for c in sorted(set(target.specialties or []))]
    if rows:
        connection.execute(insert(MediatorSpecialty), rows)


@event.listens_for(MediationOrganization, "after_insert")
def _org_inserted(_mapper: object, connection: Connection, target: MediationOrganization) -> None:
    _write_org_facets(connection, target)


@event.listens_for(MediationOrganization, "after_update")
def _org_updated(_mapper: object, connection: Connection, target: MediationOrganization) -> None:
    if _changed(target, "region", "regions", "categories"):
        _write_org_facets(connection, target)


@event.listens_for(MediatorProfile, "after_insert")
def _profile_inserted(_mapper: object, connection: Connection, target: MediatorProfile) -> None:
    _write_specialties(connection, target)


@event.listens_for(MediatorProfile, "after_update")
def _profile_updated(_mapper: object, connection: Connection, target: MediatorProfile) -> None:
    if _changed(target, "specialties"):
        _write_specialties(connection, target)


@event.listens_for(MediationAgreement, "before_update")
def _refuse_changes_once_signed(_mapper: object, connection: Connection, target: MediationAgreement) -> None:
    """The signed text is frozen: any change to it after the first signature is refused, whoever tries."""
    if not _changed(target, "text", "sha256", "terms", "version", "case_id"):
        return
    signatures = connection.scalar(
        select(func.count()).select_from(AgreementSignature).where(AgreementSignature.agreement_id == target.id)
    )
    if signatures:
        raise Conflict("The agreement has been signed and can no longer change.", reason="agreement.signed")
