"""Evidence: uploaded items of a party's catalogue, their chain of custody, and the other side's opinions."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

STATUSES = ("pending", "verifying", "stored", "rejected", "deleted")
LIVE_STATUSES = ("pending", "verifying", "stored")  # count against the limits
OPEN_STATUSES = ("pending", "verifying")  # not decided yet: the upload object is still claimed
OPINION_VALUES = ("admitted", "disputed", "partly_admitted")
LATE_DECISIONS = ("pending", "admitted", "refused")


class EvidenceItem(IdMixin, TimestampMixin, Model):
    """One file a party puts before the mediator or court: pending until uploaded, verifying until the background
    check decides, stored or rejected then, private until submitted.

    The phone posts to `upload_key` (`cases/{case}/evidence/{uuid}.upload`) and calls `complete`, which only
    marks the item `verifying`; the verification job copies that object inside the store to a fresh
    `cases/{case}/evidence/{uuid}` and hashes the copy, which no form can write to: a replayed upload form can
    never change stored evidence. `object_key` is that copy once the item is stored. No key is ever derived
    from the client's file name.
    """

    __tablename__ = "evidence_items"
    __table_args__ = (
        UniqueConstraint("case_id", "party_id", "catalogue_order"),  # also the catalogue's and the file count's index
        Index(None, "uploaded_by_user_id", "status"),  # bytes per user
        Index(None, "status", "upload_expires_at"),  # the sweep of abandoned uploads
        Index(None, "status", "id"),  # the sweep's integrity pass over stored items, in id order
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    uploaded_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    catalogue_order: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255))  # cleaned display name; Chinese kept
    declared_type: Mapped[str] = mapped_column(String(100))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    declared_sha256: Mapped[str] = mapped_column(String(64))
    detected_type: Mapped[str | None] = mapped_column(String(100))
    page_count: Mapped[int | None]
    object_key: Mapped[str | None] = mapped_column(String(255), unique=True)  # set when stored
    upload_key: Mapped[str] = mapped_column(String(255), unique=True)
    upload_expires_at: Mapped[dt.datetime]
    stored_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime | None]
    rejected_at: Mapped[dt.datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    deleted_at: Mapped[dt.datetime | None]
    # Late evidence (逾期举证): submitted after the evidence period ended; the court admits or refuses it.
    late: Mapped[bool] = mapped_column(default=False, server_default=false())
    late_reason: Mapped[str | None] = mapped_column(Text)
    late_decision: Mapped[str | None] = mapped_column(String(16))  # pending | admitted | refused
    late_decision_reason: Mapped[str | None] = mapped_column(Text)
    late_decided_by_user_id: Mapped[uuid.UUID | None]
    late_decided_at: Mapped[dt.datetime | None]

    @property
    def submitted(self) -> bool:
        """Shared with the other parties, the mediator and the court."""
        return self.submitted_at is not None


class EvidenceCustodyEvent(IdMixin, Model):
    """Append-only chain of custody: who did what to an item, when, and the SHA-256 it had then."""

    __tablename__ = "evidence_custody_events"
    __table_args__ = (Index(None, "evidence_id", "at"),)

    evidence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(24))  # requested stored rejected submitted view download deleted ...
    actor_user_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[str] = mapped_column(String(24))
    sha256: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class EvidenceOpinion(IdMixin, TimestampMixin, Model):
    """Cross-examination (质证): one party's view of another party's item on authenticity, legality, relevance."""

    __tablename__ = "evidence_opinions"
    __table_args__ = (UniqueConstraint("evidence_id", "party_id"), Index(None, "evidence_id", "created_at"))

    evidence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    author_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    authenticity: Mapped[str] = mapped_column(String(16))
    legality: Mapped[str] = mapped_column(String(16))
    relevance: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
