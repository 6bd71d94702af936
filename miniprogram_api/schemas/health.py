"""Health probe responses."""

from __future__ import annotations

from marshmallow import fields

from miniprogram_api.schemas.base import OutSchema


class HealthOut(OutSchema):
    """Liveness."""

    status = fields.String(required=True)


class ReadyOut(OutSchema):
    """Readiness with one entry per dependency."""

    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
