"""E-service consent: give (this case / all my cases), change or verify the address, withdraw, claim, court view."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema

SCOPES = ("case", "all_cases")
ADDRESS_KINDS = ("mini_program", "phone", "email")
RECIPIENT_METHODS = ("mini_program", "h5", "sms_link")


class ConsentTextOut(OutSchema):
    """The text to agree to: echo `version` and `sha256` back when consenting."""

    version = fields.String()
    sha256 = fields.String()
    text = fields.String()


def _address_kind() -> fields.String:
    """Documents are served into the mini-program inbox; a phone or e-mail is confirmed with it for the notices."""
    return fields.String(required=True, validate=validate.OneOf(ADDRESS_KINDS))


def _address() -> fields.String:
    """The phone or e-mail (none for the inbox)."""
    return fields.String(load_default=None, validate=validate.Length(max=254))


class ConsentGiveIn(InSchema):
    """Consent to e-service after reading the text (its version and hash as shown)."""

    party_id = fields.UUID(load_default=None, metadata={"description": "Needed when you act for several parties"})
    scope = fields.String(load_default="case", validate=validate.OneOf(SCOPES))
    address_kind = _address_kind()
    address = _address()
    text_version = fields.String(required=True, validate=validate.Length(max=32))
    text_sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    method = fields.String(load_default="mini_program", validate=validate.OneOf(RECIPIENT_METHODS))


class StandingGiveIn(InSchema):
    """Consent for all your cases."""

    address_kind = _address_kind()
    address = _address()
    text_version = fields.String(required=True, validate=validate.Length(max=32))
    text_sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    method = fields.String(load_default="mini_program", validate=validate.OneOf(RECIPIENT_METHODS))


class AddressIn(InSchema):
    """Confirm or change the address under a consent in force."""

    party_id = fields.UUID(load_default=None)
    address_kind = _address_kind()
    address = _address()


class PartyArgs(InSchema):
    """Which of your parties (when you act for several)."""

    party_id = fields.UUID(load_default=None)


class ClerkConsentIn(InSchema):
    """A consent a clerk obtained by phone or in person: how, in the note."""

    party_id = fields.UUID(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    address_kind = fields.String(load_default="mini_program", validate=validate.OneOf(ADDRESS_KINDS))
    address = _address()
    address_read_back = fields.Boolean(load_default=False)


class AddressCodeIn(InSchema):
    """The code sent to the e-mail service address."""

    party_id = fields.UUID(load_default=None)
    code = fields.String(required=True, validate=validate.Length(min=4, max=12))


class StandingCodeIn(InSchema):
    """The code sent to the e-mail address of the consent for all cases."""

    code = fields.String(required=True, validate=validate.Length(min=4, max=12))


class ClaimIn(InSchema):
    """The code from the SMS notice."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class PartyConsentOut(OutSchema):
    """One party's e-service consent (address masked)."""

    party_id = fields.UUID()
    role = fields.String()
    name = fields.String()
    joined = fields.Boolean()
    status = fields.String(metadata={"description": "given | withdrawn | refused | none"})
    scope = fields.String(allow_none=True)
    method = fields.String(allow_none=True)
    given_at = fields.AwareDateTime(allow_none=True)
    address_kind = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    address_confirmed = fields.Boolean()
    address_verification = fields.String(
        allow_none=True,
        metadata={"description": "An e-mail needs the code sent to it: pending | verified; not_needed otherwise"},
    )
    notices_to = fields.String(
        allow_none=True,
        metadata={"description": "Where the next notice goes: phone | email (the confirmed address) | account"},
    )
    waiting_documents = fields.Integer()


class CaseConsentOut(OutSchema):
    """Your parties in the case and the text to agree to."""

    case_id = fields.UUID()
    parties = fields.List(fields.Nested(PartyConsentOut))
    consent_text = fields.Nested(ConsentTextOut)


class StandingOut(OutSchema):
    """Your consent for all cases."""

    status = fields.String(metadata={"description": "given | withdrawn | none"})
    method = fields.String(allow_none=True)
    given_at = fields.AwareDateTime(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    address_kind = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    address_verification = fields.String(
        allow_none=True,
        metadata={"description": "An e-mail needs the code sent to it: pending | verified; not_needed otherwise"},
    )
    text_version = fields.String(allow_none=True)
    consent_text = fields.Nested(ConsentTextOut)


class ClaimOut(OutSchema):
    """The case you joined, what waits for you, and the text to agree to."""

    case_id = fields.UUID()
    party_id = fields.UUID()
    role = fields.String()
    case_title = fields.String()
    waiting_documents = fields.Integer()
    consent_text = fields.Nested(ConsentTextOut)


class CourtConsentsOut(OutSchema):
    """Every party of the case and its consent; those without one first."""

    case_id = fields.UUID()
    without_consent = fields.Integer()
    parties = fields.List(fields.Nested(PartyConsentOut))
