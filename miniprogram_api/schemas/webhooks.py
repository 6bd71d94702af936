"""Webhook subscription payloads."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

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


class WebhookUpdateIn(InSchema):
    """What to change (at least one field): the URL and events follow the rules of subscribing."""

    url = fields.String(validate=validate.Length(min=8, max=500))
    events = fields.List(
        fields.String(validate=validate.Length(min=1, max=48)),
        validate=validate.Length(min=1, max=20),
        metadata={"example": ["*"]},
    )
    active = fields.Boolean(
        metadata={"description": "false pauses (pending deliveries are cancelled); true resumes, also after a 410."}
    )

    @validates_schema
    def _not_empty(self, data: dict, **_kwargs: object) -> None:
        if not data:
            raise ValidationError("Change at least one field.", field_name="_schema")


class WebhookOut(OutSchema):
    """A subscription (never its secret)."""

    webhook_id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    status = fields.String(required=True, metadata={"description": "active | paused | disabled (after a 410)"})
    disabled_reason = fields.String(allow_none=True)


class WebhookUpdatedOut(WebhookOut):
    """The changed subscription; `notice` says when it was re-activated after a 410."""

    notice = fields.String(allow_none=True)


class WebhookCreatedOut(WebhookOut):
    """A new subscription with its signing secret (shown this once)."""

    secret = fields.String(required=True)
