"""What happens to a court delegation after it is sent, beyond its state: recall, expiry, overdue, carrying back.

One row per delegation (created on first need). It makes the sweep and the carrying idempotent: a step whose
time is set is never taken again (app/mediation/delegation_sweep.py, delegation_carry.py, delegation_recall.py).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import TimestampMixin


class DelegationFollowup(TimestampMixin, Model):
    """The later life of one court delegation (court_delegations.id is the key)."""

    __tablename__ = "court_delegation_followups"

    delegation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("court_delegations.id", ondelete="CASCADE"), primary_key=True
    )
    # court party id -> mediation party id (str -> str), written when a separate mediation case is made
    party_map: Mapped[dict] = mapped_column(JSON, default=dict)
    expired_at: Mapped[dt.datetime | None]
    overdue_at: Mapped[dt.datetime | None]  # accepted and not back by the due date: told once
    recalled_at: Mapped[dt.datetime | None]
    recalled_by: Mapped[str | None] = mapped_column(String(64))  # the actor's subject (a user or a court system)
    recall_reason: Mapped[str | None] = mapped_column(String(1000))
    carried_back_at: Mapped[dt.datetime | None]  # evidence and mandates brought back into the court's case
    carried_back_count: Mapped[int | None]
