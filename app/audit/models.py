"""The tamper-evident audit log: events in a few independent chains (shards), each gap-free and HMAC-chained."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Index, Integer, Sequence, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model, db


class AuditEvent(Model):
    """One security-relevant action. Never updated or deleted; `flask audit verify` recomputes every chain.

    `seq` orders events platform-wide (a sequence: unique, increasing, not gap-free, not part of the MAC);
    `shard` and `shard_seq` place the event in its chain, where the MAC links it to the one before.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "action", "at"),
        Index(None, "object_type", "object_id"),
        Index(None, "shard", "shard_seq", unique=True),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(db.Integer, "sqlite"), Sequence("audit_events_seq_seq"), primary_key=True
    )
    shard: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    shard_seq: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
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
    """One chain's head (id = shard): its last shard_seq and hash; an append locks only its shard's head."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
