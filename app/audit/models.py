"""The tamper-evident audit log: a gap-free sequence of events, each HMAC-chained to the one before."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model, db


class AuditEvent(Model):
    """One security-relevant action. Never updated or deleted; `flask audit verify` recomputes the chain."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "action", "at"), Index(None, "object_type", "object_id"))

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(String(48))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    key_id: Mapped[str] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Model):
    """The single row every append locks: the last sequence number and hash (the chain's head)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
