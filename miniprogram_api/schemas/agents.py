"""Agent payloads: appointing or asking to act for a party, the party's decisions, the lawyer's workspace."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.cases import CaseSummaryOut
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

AUTHORITIES = ("general", "special")
AGENT_STATUSES = ("pending_confirmation", "active", "declined", "revoked")


class AgentCreateIn(InSchema):
    """Name the lawyer by user id or licence number, and the party they act for."""

    lawyer_user_id = fields.UUID()
    license_number = fields.String(validate=validate.Length(min=1, max=32))
    party_id = fields.UUID(required=True)
    authority = fields.String(
        required=True,
        validate=validate.OneOf(AUTHORITIES),
        metadata={"description": "general (一般授权) or special (特别授权: admit, waive, settle, appeal)"},
    )
    power_of_attorney_evidence_id = fields.UUID(
        metadata={"description": "The power of attorney: a stored evidence item of this case that the caller may see"}
    )

    @validates_schema
    def _one_lawyer(self, data: dict, **_kwargs: object) -> None:
        if ("lawyer_user_id" in data) == ("license_number" in data):
            raise ValidationError("Give either lawyer_user_id or license_number.", field_name="lawyer_user_id")


class AgentDecisionIn(InSchema):
    """Why (optional)."""

    reason = fields.String(validate=validate.Length(max=2000))


class CaseAgentOut(OutSchema):
    """A lawyer acting, or asking to act, for a party."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    lawyer_user_id = fields.UUID(required=True)
    lawyer_name = fields.String(allow_none=True)
    law_firm = fields.String(allow_none=True)
    license_number = fields.String(allow_none=True)
    authority = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(AGENT_STATUSES)})
    power_of_attorney_evidence_id = fields.UUID(allow_none=True)
    power_of_attorney_verified = fields.Boolean(required=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class LawyerCaseArgs(CursorArgs):
    """Filter by case status (lists active agencies only) and the page."""

    status = fields.String(validate=validate.Length(max=40))


class LawyerCaseOut(OutSchema):
    """One agency: an active one carries its case; a pending request carries no case data until confirmed."""

    agent_id = fields.UUID(required=True)
    agent_status = fields.String(required=True)
    pending = fields.Boolean(required=True)
    authority = fields.String(required=True)
    case_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    party_name = fields.String(allow_none=True)
    party_role = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    case = fields.Nested(CaseSummaryOut, allow_none=True)


LawyerCasePage = cursor_page("LawyerCasePage", LawyerCaseOut, "A page of the lawyer's workspace.")
