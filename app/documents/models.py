"""Electronic service: documents pushed by courts, their hash-chained delivery events, notifications, work items."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

DOCUMENT_STATUSES = ("accepted", "rejected", "held", "delivered", "opened", "acknowledged", "expired", "failed")
EVENT_TYPES = (
    "submitted",
    "accepted",
    "rejected",
    "delivered",
    "notified",
    "notification_failed",
    "opened",
    "downloaded",
    "acknowledged",
    "expired",
    "failed",
    "served_otherwise",  # served by other means (paper, post, lodging, announcement): other_service.py
)


class ServedDocument(IdMixin, TimestampMixin, Model):
    """A document a court serves on one party: the stored file (never changed), its state and legal effect."""

    __tablename__ = "served_documents"
    __table_args__ = (
        UniqueConstraint("submitter", "submission_key"),
        Index(None, "recipient_party_id", "delivered_at"),
        Index(None, "case_id", "created_at"),
        Index(None, "court_id", "created_at"),
        Index(None, "status", "delivered_at"),
    )

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    recipient_party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    doc_type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    response_days: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content_type: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(255))
    submitter: Mapped[str] = mapped_column(String(120))
    submitter_role: Mapped[str] = mapped_column(String(24))
    submission_key: Mapped[str | None] = mapped_column(String(255))
    submission_fingerprint: Mapped[str] = mapped_column(String(64))
    verification_code: Mapped[str] = mapped_column(String(24), unique=True)
    rejection_reason: Mapped[str | None] = mapped_column(String(255))
    hold_reason: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(32), default="mini_program_inbox")
    consent_id: Mapped[uuid.UUID | None]
    service_address: Mapped[str | None] = mapped_column(String(255))
    confirmed_by_recipient: Mapped[bool | None]
    delivered_at: Mapped[dt.datetime | None]
    first_opened_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    served_at: Mapped[dt.datetime | None]
    served_basis: Mapped[str | None] = mapped_column(String(24))
    reminded_at: Mapped[dt.datetime | None]
    expired_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    event_count: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str | None] = mapped_column(String(64))


class DeliveryEvent(IdMixin, Model):
    """One append-only evidence event of a document, hash-chained to the previous one (prev_hash -> hash)."""

    __tablename__ = "delivery_events"
    __table_args__ = (UniqueConstraint("document_id", "seq"),)

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("served_documents.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(24))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


@event.listens_for(DeliveryEvent, "before_update")
@event.listens_for(DeliveryEvent, "before_delete")
def _append_only(_mapper: object, _connection: object, target: DeliveryEvent) -> None:
    raise RuntimeError(f"delivery events are append-only (document {target.document_id}, seq {target.seq})")


class DocumentNotification(IdMixin, TimestampMixin, Model):
    """One notification of a document on one channel to one person, with the provider's answer."""

    __tablename__ = "document_notifications"
    __table_args__ = (Index(None, "document_id"), Index(None, "status", "created_at"))

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("served_documents.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None]
    audience: Mapped[str] = mapped_column(String(16))  # recipient | agent
    purpose: Mapped[str] = mapped_column(String(16))  # delivery | reminder
    channel: Mapped[str] = mapped_column(String(16))  # sms | wechat
    outbox_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sent | failed
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(255))
    event_seq: Mapped[int | None]


class WorkItem(IdMixin, TimestampMixin, Model):
    """A task for a court clerk: serve a held or unopened document by another method (paper, phone)."""

    __tablename__ = "work_items"
    __table_args__ = (UniqueConstraint("document_id", "kind"), Index(None, "court_id", "status", "created_at"))

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("served_documents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # document_held | document_unopened
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    reason: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))


class DocumentUpload(IdMixin, TimestampMixin, Model):
    """A file a court system uploads straight to the store before pushing it (`meta.upload_id`); used once."""

    __tablename__ = "document_uploads"
    __table_args__ = (Index(None, "status", "expires_at"),)

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(String(120))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    declared_size: Mapped[int]
    declared_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | used | rejected | expired
    expires_at: Mapped[dt.datetime]
    document_id: Mapped[uuid.UUID | None]
