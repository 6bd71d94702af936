"""QR invitations: an opaque token (the QR's scene) and a typed code, both stored only as keyed hashes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class Invitation(IdMixin, TimestampMixin, Model):
    """An invitation to join a case as a named party or in a role; expiring, counted, revocable."""

    __tablename__ = "case_invitations"
    __table_args__ = (
        Index(None, "case_id", "created_at"),
        CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_within_max"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[uuid.UUID | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[uuid.UUID | None]
    last_accepted_at: Mapped[dt.datetime | None]
