"""Admin-edited holiday calendar overrides, consulted before the chinesecalendar package."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.platform.db import IdMixin, TimestampMixin


class CalendarOverride(IdMixin, TimestampMixin, Model):
    """One day whose status the administrators set: a newly announced holiday, 调休 working day or closure.

    A row for a year the package does not cover also declares that whole year covered: its other days
    follow the weekday rule (see app/legal/calendar.py), so enter a year's full announcement at once.
    """

    __tablename__ = "calendar_overrides"

    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    is_working_day: Mapped[bool]
    holiday_name: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[uuid.UUID | None]


class CalendarVersion(Model):
    """One row (id 1): a counter every write to the overrides raises in its own transaction.

    App servers keep the parsed overrides per process under the version they were read with, and read only the
    version (inside a statement a request makes anyway, where it can) to know whether their copy is current.
    """

    __tablename__ = "calendar_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
