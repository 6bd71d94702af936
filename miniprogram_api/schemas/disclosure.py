"""Staff unmasking of a party's PII: the reason given, and the party's details in full."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema


class DisclosureIn(InSchema):
    """Why the caller needs the party's full phone and ID number (kept in the audit log)."""

    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "4 to 300 characters once trimmed; no phone or ID numbers in it"},
    )


class DisclosureOut(OutSchema):
    """The party's name, phone and ID number unmasked (null when the filing gave none)."""

    party_id = fields.UUID(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True, metadata={"description": "e.g. +8613800000009"})
    id_number = fields.String(required=True, allow_none=True)
    disclosed_at = fields.AwareDateTime(required=True)
