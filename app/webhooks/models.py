"""Webhooks to court systems: subscriptions per court and one delivery row per event and subscription."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class WebhookSubscription(IdMixin, TimestampMixin, Model):
    """A court system's endpoint for events of one court; the signing secret is stored encrypted."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index(None, "court_id", "status"),)

    court_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courts.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    disabled_at: Mapped[dt.datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(120))


class WebhookDelivery(IdMixin, TimestampMixin, Model):
    """One event for one subscription: the row drives sending and retries (it is the source of truth)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index(None, "status", "next_attempt_at"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(48))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed | cancelled
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]  # the outbox lease: a claim older than the lease may be taken over
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(255))
    delivered_at: Mapped[dt.datetime | None]
