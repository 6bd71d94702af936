"""Webhook subscription payloads."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema


class WebhookIn(InSchema):
    """An endpoint of a court system and the events it wants (`*` for all)."""

    url = fields.String(required=True, validate=validate.Length(min=8, max=500))
    events = fields.List(
        fields.String(validate=validate.Length(min=1, max=48)),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"example": ["document.delivered", "document.acknowledged"]},
    )
    court_id = fields.UUID(metadata={"description": "Needed only by staff of several courts."})


class WebhookOut(OutSchema):
    """A subscription (never its secret)."""

    webhook_id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    status = fields.String(required=True)
    disabled_reason = fields.String(allow_none=True)


class WebhookCreatedOut(WebhookOut):
    """A new subscription with its signing secret (shown this once)."""

    secret = fields.String(required=True)
