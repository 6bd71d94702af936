"""Login, refresh and machine-token payloads."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.users import MeOut


class WeChatLoginIn(InSchema):
    """A `wx.login` code."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class SmsSendIn(InSchema):
    """Ask for a login code by SMS."""

    phone = fields.String(required=True, validate=validate.Length(min=5, max=32))


class SmsVerifyIn(InSchema):
    """Log in with the code received by SMS."""

    phone = fields.String(required=True, validate=validate.Length(min=5, max=32))
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Must be 6 digits."))


class RefreshIn(InSchema):
    """Spend a refresh token."""

    refresh_token = fields.String(required=True, validate=validate.Length(min=10, max=200))


class TokenPairOut(OutSchema):
    """Access + refresh tokens, and who logged in."""

    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    user = fields.Nested(MeOut, required=True)


class ClientCredentialsIn(InSchema):
    """A court system's credentials."""

    client_id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    client_secret = fields.String(required=True, validate=validate.Length(min=1, max=200))


class MachineTokenOut(OutSchema):
    """A court-scoped machine token."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class WhoAmIOut(OutSchema):
    """The authenticated caller as the court API sees it."""

    kind = fields.String(required=True)
    subject = fields.String(required=True)
    court_ids = fields.List(fields.UUID(), required=True)
