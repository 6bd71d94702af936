"""The end of the mediation period: each party's agreement to extend it, and the one extension applied."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin


class ExtensionAgreement(IdMixin, Model):
    """A party (or their lawyer for them) agreeing to extend the mediation period by `days`."""

    __tablename__ = "mediation_extension_agreements"
    __table_args__ = (UniqueConstraint("assignment_id", "party_id"),)

    assignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mediator_assignments.id", ondelete="CASCADE"))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    days: Mapped[int]
    agreed_at: Mapped[dt.datetime]


class PeriodExtension(Model):
    """The extension applied when the period ran out (at most one per assignment: the primary key)."""

    __tablename__ = "mediation_period_extensions"

    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mediator_assignments.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int]
    previous_due_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    applied_at: Mapped[dt.datetime]
