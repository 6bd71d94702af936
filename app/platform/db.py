"""Declarative base, naming convention, UTC timestamps and the id column shared by every model."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Column, DateTime, MetaData, Table, Uuid, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from app.utils import clock
from app.utils.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every database: naive input is refused, output is always aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        value = clock.as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _utc_on_set(target: object, value: object, oldvalue: object, initiator: object) -> object:
    """An aware datetime set on a UTC column reads back in UTC at once, as it will after a reload: an answer made
    before the COMMIT (idempotent writes record it inside the transaction) must not show +08:00 where a later
    read shows Z. Naive values pass through, to be refused when flushed."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


@event.listens_for(Mapper, "mapper_configured")
def _normalise_utc_columns(mapper: Mapper, class_: type) -> None:
    for attribute in mapper.column_attrs:
        if any(isinstance(column.type, UTCDateTime) for column in attribute.columns):
            event.listen(getattr(class_, attribute.key), "set", _utc_on_set, retval=True)


class Base(DeclarativeBase):
    """Typed declarative base with the constraint naming convention Alembic relies on."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime(), uuid.UUID: Uuid()},
    )


@event.listens_for(Column, "after_parent_attach")
def _foreign_key_typed_now(column: Column, table: object) -> None:
    """A foreign key to a model's `id` is a UUID from the moment its table is defined.

    A column declared `mapped_column(ForeignKey("x.id"))` takes the referred column's type only once table x
    exists: a statement built at import time (issue 18: "built once") from it before then binds NullType, and on
    SQLite a uuid.UUID does not bind ("type 'UUID' is not supported"; seen with app.video.events imported first).
    Every model's `id` is IdMixin's UUID, so such a column gets that type here, in this metadata only
    (tests/unit/test_import_order_types.py checks every foreign key's type against the column it refers to).
    """
    if (
        isinstance(table, Table)
        and table.metadata is Base.metadata
        and column.type._isnull
        and column.foreign_keys
        and all(key.target_fullname.endswith(".id") for key in column.foreign_keys)
    ):
        column.type = Uuid()


class IdMixin:
    """An opaque, time-ordered UUID primary key."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    """created_at / updated_at set from the clock module (never the database's own clock)."""

    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now, onupdate=clock.now)
