"""QR invitation payloads: issue, state, preview (no personal data), accept."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.sessions import ShanghaiDateTime


class InvitationCreateIn(InSchema):
    """Whom to invite: a named party of the case, or anyone in a role."""

    party_id = fields.UUID()
    role = fields.String(required=True, validate=validate.Length(min=1, max=16))
    expires_in_hours = fields.Integer(validate=validate.Range(min=1, max=24 * 366))
    max_uses = fields.Integer(validate=validate.Range(min=1, max=1000))


class InvitationStateOut(OutSchema):
    """An invitation's state (never its token or code)."""

    invitation_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    party_id = fields.UUID(allow_none=True)
    role = fields.String(required=True)
    expires_at = ShanghaiDateTime(required=True)
    max_uses = fields.Integer(required=True)
    uses = fields.Integer(required=True)
    revoked_at = ShanghaiDateTime(allow_none=True)


class InvitationIssuedOut(InvitationStateOut):
    """A new invitation: the token and code are shown this once."""

    token = fields.String(required=True, metadata={"description": "At most 32 of [A-Za-z0-9]; the QR scene"})
    code = fields.String(required=True, metadata={"description": "8 characters for typing by hand"})
    scene = fields.String(required=True)
    page = fields.String(required=True)
    qr_png_url = fields.String(required=True)
    qr_svg_url = fields.String(required=True)
    wxacode_url = fields.String(allow_none=True, metadata={"description": "Set when WeChat is configured"})


class InvitationPreviewOut(OutSchema):
    """What an invitation offers, without personal data."""

    case_kind = fields.String(required=True)
    case_title = fields.String(required=True)
    court_name = fields.String(allow_none=True)
    org_name = fields.String(allow_none=True)
    role = fields.String(required=True)
    names_a_party = fields.Boolean(required=True)
    requires_real_name = fields.Boolean(required=True)
    expires_at = ShanghaiDateTime(required=True)


class InvitationAcceptedOut(OutSchema):
    """The party the caller now is."""

    case_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    role = fields.String(required=True)
    case_title = fields.String(required=True)
