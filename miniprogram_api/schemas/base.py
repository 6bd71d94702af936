"""Base schemas: unknown input fields are refused, so server-owned fields can never be smuggled in.

Two contract rules live here for every schema at once: a date or date-time the API accepts lies in
[EARLIEST, LATEST) (outside it Python's datetime overflows, and Asia/Shanghai had a local mean time offset
of +08:05:43 before 1901 that RFC 3339 cannot write); money is one type, a decimal string of yuan (Money).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields
from webargs.flaskparser import FlaskParser

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
TIME_RANGE_TEXT = "RFC 3339 with an offset, from 1970-01-01T00:00:00Z up to (not including) 2100-01-01T00:00:00Z"
MONEY_PATTERN = r"^[0-9]{1,14}(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN)


def in_time_range(value: dt.date) -> None:
    """Refuse a date or aware date-time outside [EARLIEST, LATEST)."""
    if isinstance(value, dt.datetime):
        inside = value.utcoffset() is not None and EARLIEST <= value < LATEST
    else:
        inside = EARLIEST.date() <= value < LATEST.date()
    if not inside:  # the words of TIME_RANGE_TEXT, written out so that the catalogue has the whole sentence
        raise ValidationError(
            "Must be RFC 3339 with an offset, from 1970-01-01T00:00:00Z up to (not including) 2100-01-01T00:00:00Z."
        )


CLEANED = "x-control-characters"  # metadata key: this field's service removes control characters itself


def no_nul(value: object) -> None:
    """Refuse NUL in text: PostgreSQL cannot store it, and no reader wants it."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("Text may not hold NUL characters.")


def _temporal(field: fields.Field) -> bool:
    return isinstance(field, fields.DateTime | fields.Date)


class InSchema(Schema):
    """Input schema: unknown fields are refused; dates and times lie in the range; text holds no NUL."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """Give every date/date-time field the range check and every text field the NUL check (also in lists).

        Fields are copies per schema instance, so the validators are added once per field.
        """
        inner = field_obj.inner if isinstance(field_obj, fields.List) else field_obj
        if _temporal(inner):
            inner.validators = [*inner.validators, in_time_range]
        if isinstance(inner, fields.String) and CLEANED not in inner.metadata:
            inner.validators = [*inner.validators, no_nul]


class OutSchema(Schema):
    """Output schema."""


class Money(fields.Decimal):
    """Money: a decimal string of yuan with at most two places ("12000.00"), in and out; never a JSON number.

    Stored as NUMERIC(16, 2). A JSON number is refused on input so that requests and responses have one type.
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "description": 'Yuan as a decimal string with at most two places, e.g. "12000.00"',
            "pattern": MONEY_PATTERN,
            "example": "12000.00",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(places=2, as_string=True, allow_nan=False, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> decimal.Decimal:
        if not isinstance(value, str) or not _MONEY.fullmatch(value):
            raise ValidationError('A decimal string of yuan with at most two places, e.g. "12000.00".')
        return super()._deserialize(value, attr, data, **kwargs)


class ErrorOut(OutSchema):
    """The one error shape: every error response is exactly this object."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    status = fields.String(required=True, metadata={"description": "The HTTP status phrase"})
    reason = fields.String(required=True, metadata={"description": "Stable dotted slug, e.g. case.not_found"})
    message = fields.String(required=True)
    errors = fields.Dict(
        required=True, metadata={"description": "Per-field messages (422), nested like the body; else empty"}
    )
    request_id = fields.String(required=True, metadata={"description": "Also sent as the X-Request-ID header"})


class SchemaReusingParser(FlaskParser):
    """webargs' Flask parser, building each argument schema class once instead of once per request.

    flask-smorest hands `@blp.arguments(SomeIn)` to webargs as the class, and webargs instantiated it (and its
    nested schemas on first load) for every request: 150 us of the 210 a filing's body cost to load. A schema
    keeps no per-request state (no hook writes to it; marshmallow 4 has no context), and flask-smorest already
    shares one instance of every response schema between threads.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._instances: dict[type[Schema], Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> Schema:
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)
