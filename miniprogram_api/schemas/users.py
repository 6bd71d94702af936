"""The caller's own profile, and what others may see of a person."""

from __future__ import annotations

from marshmallow import fields, validate

from app.i18n import LANGUAGES
from miniprogram_api.schemas.base import InSchema, OutSchema


class MembershipOut(OutSchema):
    """A role held at a court or mediation organisation."""

    court_id = fields.UUID()
    org_id = fields.UUID()
    role = fields.String(required=True)


class LawyerProfileOut(OutSchema):
    """A lawyer's licence and its review state."""

    id = fields.UUID(required=True)
    license_number = fields.String(required=True)
    law_firm = fields.String(required=True)
    practice_region = fields.String(required=True)
    status = fields.String(required=True)
    review_note = fields.String(allow_none=True)


class MeOut(OutSchema):
    """The caller's profile: their own PII unmasked, roles, memberships, verification state."""

    id = fields.UUID(required=True)
    display_name = fields.String(allow_none=True)
    status = fields.String(required=True)
    phone = fields.String(allow_none=True, metadata={"description": "Own phone, unmasked"})
    real_name = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True, metadata={"description": "Own ID number, unmasked"})
    verification_status = fields.String(required=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    roles = fields.List(fields.String(), required=True)
    memberships = fields.List(fields.Nested(MembershipOut), required=True)
    lawyer_profile = fields.Nested(LawyerProfileOut, allow_none=True)
    wechat_linked = fields.Boolean(required=True)
    language = fields.String(
        allow_none=True,
        metadata={
            "description": "The person's chosen language for texts sent later (SMS, subscribe messages): 'zh', "
            "'en', or null when none was chosen (then Chinese). Set with PUT /me/language; never taken from "
            "Accept-Language."
        },
    )


class LanguageIn(InSchema):
    """The caller's language for texts sent later; null clears the choice (then Chinese)."""

    language = fields.String(required=True, allow_none=True, validate=validate.OneOf(LANGUAGES))


class LanguageOut(OutSchema):
    """The caller's stored language choice."""

    language = fields.String(required=True, allow_none=True)


class PhoneBindIn(InSchema):
    """Bind the WeChat phone number: the new `code` flow, or legacy encrypted data."""

    code = fields.String(validate=validate.Length(min=1, max=128))
    encrypted_data = fields.String(validate=validate.Length(min=1, max=4096))
    iv = fields.String(validate=validate.Length(min=1, max=64))


class VerificationIn(InSchema):
    """Real-name verification."""

    real_name = fields.String(required=True, validate=validate.Length(min=2, max=30))
    id_number = fields.String(required=True, validate=validate.Length(min=15, max=20))


class LawyerProfileIn(InSchema):
    """Apply to be verified as a lawyer."""

    license_number = fields.String(required=True, validate=validate.Regexp(r"^\d{17}$", error="Must be 17 digits."))
    law_firm = fields.String(required=True, validate=validate.Length(min=2, max=120))
    practice_region = fields.String(required=True, validate=validate.Length(min=2, max=64))


class SubscriptionIn(InSchema):
    """A subscribe-message grant the user just answered in the mini-program."""

    template_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    accepted = fields.Boolean(required=True)


class SubscriptionOut(OutSchema):
    """Remaining sends for one template."""

    template_id = fields.String(required=True)
    accepted = fields.Boolean(required=True)
    remaining = fields.Integer(required=True)
