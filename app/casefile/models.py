"""Archive builds: one row per requester and subject (a case's file, or a person's own data), rebuilt in place."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin

KINDS = ("case_file", "case_file_court", "personal_data")
STATUSES = ("queued", "building", "ready", "failed", "expired")


class ArchiveBuild(IdMixin, TimestampMixin, Model):
    """A ZIP archive built in the background for one requester: its status, what goes in it and where it is.

    `generation` counts the requests that changed what the archive must hold; a build that finishes for an older
    generation is thrown away and the row is built again, so there is one build at a time per row.
    """

    __tablename__ = "archive_builds"
    __table_args__ = (
        UniqueConstraint("kind", "subject_key", "owner_key"),
        Index(None, "status", "updated_at"),
    )

    kind: Mapped[str] = mapped_column(String(24))
    subject_key: Mapped[str] = mapped_column(String(64))  # the case id, or the person's user id
    owner_key: Mapped[str] = mapped_column(String(80))  # the requester's principal scope
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    requested_by_user_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(16), default="queued")
    generation: Mapped[int] = mapped_column(default=1)
    fingerprint: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict] = mapped_column(JSON, default=dict)
    requested_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    lease_until: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    object_key: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(160))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    item_count: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(255))
