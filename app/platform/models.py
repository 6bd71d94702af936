"""Stored outcomes of requests sent with an Idempotency-Key, so that retries replay them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class IdempotencyRecord(IdMixin, TimestampMixin, Model):
    """One key of one caller: in flight until the first request finishes, then its response."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("scope", "key"),
        Index(None, "expires_at"),
    )

    scope: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="in_flight")
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    locked_until: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
