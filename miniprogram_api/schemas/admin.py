"""Administration payloads: courts, organisations, memberships, roles, lawyers, machine clients."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema

COURT_CODE = validate.Regexp(r"^[\u4e00-\u9fff]\d{2,6}$", error="A court code is a province character and digits.")


class CourtIn(InSchema):
    """A court to register."""

    code = fields.String(required=True, validate=COURT_CODE)
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    region = fields.String(required=True, validate=validate.Length(min=2, max=64))


class CourtOut(OutSchema):
    """A court."""

    id = fields.UUID(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)


class OrgIn(InSchema):
    """A mediation organisation to register."""

    name = fields.String(required=True, validate=validate.Length(min=2, max=120))
    org_type = fields.String(required=True)
    region = fields.String(required=True, validate=validate.Length(min=2, max=64))
    regions = fields.List(fields.String(validate=validate.Length(min=2, max=64)), load_default=list)
    categories = fields.List(fields.String(validate=validate.Length(min=1, max=32)), load_default=list)


class OrgOut(OutSchema):
    """A mediation organisation."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    org_type = fields.String(required=True)
    region = fields.String(required=True)
    regions = fields.List(fields.String())
    categories = fields.List(fields.String())


class MembershipIn(InSchema):
    """Give a user a role at a court or organisation."""

    user_id = fields.UUID(required=True)
    role = fields.String(required=True)


class MembershipAdminOut(OutSchema):
    """A membership record."""

    id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)


class RoleIn(InSchema):
    """Grant a platform role."""

    role = fields.String(required=True)


class UserStatusIn(InSchema):
    """Enable or disable an account."""

    active = fields.Boolean(required=True)


class UserAdminOut(OutSchema):
    """An account as an admin sees it (no PII)."""

    id = fields.UUID(required=True)
    status = fields.String(required=True)
    display_name = fields.String(allow_none=True)


class LawyerQueryArgs(InSchema):
    """Filter lawyer profiles by review state."""

    status = fields.String(load_default="pending", validate=validate.OneOf(["pending", "verified", "rejected"]))


class LawyerReviewIn(InSchema):
    """Approve or reject a lawyer profile."""

    approve = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=500), allow_none=True)


class ClientIn(InSchema):
    """A court system to register."""

    court_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=120))


class ClientOut(OutSchema):
    """A machine client (never its secret)."""

    client_id = fields.String(required=True)
    name = fields.String(required=True)
    court_id = fields.UUID(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    last_used_at = fields.AwareDateTime(allow_none=True)


class ClientSecretOut(ClientOut):
    """A machine client with its new secret (shown once)."""

    client_secret = fields.String(required=True)
