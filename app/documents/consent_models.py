"""E-service consent records: every act (give, change address, withdraw), the account-wide consent, claim codes.

The effective consent per party stays a `CaseConsent` row of the cases package (what delivery reads); these
tables keep the proof of each act (time, method, the text agreed to) and what has no case to live in.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class ServiceConsentAct(IdMixin, TimestampMixin, Model):
    """One act on e-service consent: who, for which party (or all their cases), how, and which text they agreed to."""

    __tablename__ = "service_consent_acts"
    __table_args__ = (Index(None, "party_id", "at"), Index(None, "user_id", "at"))

    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(24))  # give | change_address | withdraw
    scope: Mapped[str] = mapped_column(String(16))  # case | all_cases
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # whose consent
    actor_user_id: Mapped[uuid.UUID | None]  # who acted: the person, their agent, or a clerk
    actor_role: Mapped[str] = mapped_column(String(24))
    method: Mapped[str] = mapped_column(String(24))
    address_kind: Mapped[str | None] = mapped_column(String(16))
    address_enc: Mapped[str | None] = mapped_column(Text)  # the phone or e-mail, encrypted
    text_version: Mapped[str | None] = mapped_column(String(32))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    case_consent_id: Mapped[uuid.UUID | None]  # the CaseConsent row this act wrote


class StandingServiceConsent(IdMixin, TimestampMixin, Model):
    """A person's consent for all their cases (present and future), until withdrawn; one row per user."""

    __tablename__ = "standing_service_consents"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    given: Mapped[bool]
    address_kind: Mapped[str] = mapped_column(String(16))
    address_enc: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(24))
    text_version: Mapped[str] = mapped_column(String(32))
    text_sha256: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[dt.datetime]
    withdrawn_at: Mapped[dt.datetime | None]


class ServiceClaim(IdMixin, TimestampMixin, Model):
    """A code sent by SMS to a party who has no account on the case, so they can join it and receive documents."""

    __tablename__ = "service_claims"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("served_documents.id", ondelete="SET NULL"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    claimed_by_user_id: Mapped[uuid.UUID | None]


class ServiceAddressCode(IdMixin, TimestampMixin, Model):
    """Proof that an e-mail service address reaches its owner: a one-time code sent to it, entered back.

    One row per e-mail an act named (case acts carry the party, acts for all cases only the person). An address
    counts as verified for a person or party once any of their rows for it has `verified_at`.
    """

    __tablename__ = "service_address_codes"
    __table_args__ = (Index(None, "address_index", "verified_at"), Index(None, "party_id", "created_at"))

    act_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service_consent_acts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16))  # case | all_cases
    address_index: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    email_message_id: Mapped[uuid.UUID | None]
    verified_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]  # replaced by a newer code, or burnt by wrong tries
