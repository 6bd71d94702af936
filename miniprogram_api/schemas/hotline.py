"""12368 hotline payloads: a recorded call, the case filed for the caller, and the caller's claim."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.cases import CaseCreateIn, CaseSummaryOut, PartyIn
from miniprogram_api.schemas.pages import cursor_page

CALL_CATEGORIES = ("filing", "inquiry", "consultation", "complaint", "other")


class HotlinePartyIn(PartyIn):
    """Another party of the case (the caller is added by the server; nobody here is `is_self`)."""

    class Meta(PartyIn.Meta):
        exclude = ("is_self",)


class HotlineCaseIn(CaseCreateIn):
    """The filing the operator makes for the caller: the caller becomes the applicant/plaintiff."""

    parties = fields.List(
        fields.Nested(HotlinePartyIn),
        required=True,
        validate=validate.Length(min=1, max=29),
        metadata={"description": "The other parties; the caller is added as applicant (mediation) or plaintiff"},
    )
    caller_id_number = fields.String(validate=validate.Length(max=24))
    caller_address = fields.String(validate=validate.Length(max=255))
    address_read_back = fields.Boolean(
        load_default=False,
        metadata={"description": "The operator read the service address back and the caller confirmed it"},
    )


class HotlineCallIn(InSchema):
    """A call as the operator records it."""

    caller_phone = fields.String(required=True, validate=validate.Length(min=1, max=32))
    caller_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    summary = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    category = fields.String(required=True, validate=validate.OneOf(CALL_CATEGORIES))
    create_case = fields.Nested(HotlineCaseIn)


class HotlineCallOut(OutSchema):
    """A call as its operator sees it (caller's phone masked; the claim code is only ever sent by SMS)."""

    id = fields.UUID(required=True)
    created_at = fields.AwareDateTime(required=True)
    caller_name = fields.String(required=True)
    caller_phone = fields.String(required=True)
    summary = fields.String(required=True)
    category = fields.String(required=True)
    case = fields.Nested(CaseSummaryOut, allow_none=True)
    claim_expires_at = fields.AwareDateTime(allow_none=True)
    claimed = fields.Boolean(required=True)
    claimed_at = fields.AwareDateTime(allow_none=True)


HotlineCallPage = cursor_page("HotlineCallPage", HotlineCallOut, "A page of the operator's calls.")


class HotlineClaimIn(InSchema):
    """The code from the SMS."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
