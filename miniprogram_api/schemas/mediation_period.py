"""The mediation period's end: a party's agreement to extend it, and where the extension stands."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema

MAX_EXTENSION_DAYS = 30  # app/mediation/period_end.py MAX_EXTENSION_DAYS (schemas import no domain)


class ExtensionAgreeIn(InSchema):
    """How many days the party agrees to extend the mediation period by."""

    days = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_EXTENSION_DAYS), metadata={"example": 15}
    )


class ExtensionAgreementOut(OutSchema):
    """One party's agreement."""

    party_id = fields.UUID(required=True)
    days = fields.Integer(required=True)
    agreed_at = fields.AwareDateTime(required=True)


class MediationPeriodOut(OutSchema):
    """The mediation period: its end, the parties' agreements to extend it, and the extension applied."""

    case_id = fields.UUID(required=True)
    due_at = fields.AwareDateTime(required=True, metadata={"description": "24:00 Asia/Shanghai of the last day"})
    agreements = fields.List(fields.Nested(ExtensionAgreementOut), required=True)
    agreed_days = fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "The days every party agreed to (the smallest); null while a party has not"},
    )
    extended_days = fields.Integer(allow_none=True, required=True)
    extended_at = fields.AwareDateTime(allow_none=True, required=True)
