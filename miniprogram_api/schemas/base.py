"""Base schemas: unknown input fields are refused, so server-owned fields can never be smuggled in."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields


class InSchema(Schema):
    """Input schema: every unknown field is a validation error."""

    class Meta:
        unknown = RAISE


class OutSchema(Schema):
    """Output schema."""


class ErrorOut(OutSchema):
    """The one error shape."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "Stable dotted slug, e.g. case.not_found"})
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Per-field messages for 422"})
    request_id = fields.String(required=True)
