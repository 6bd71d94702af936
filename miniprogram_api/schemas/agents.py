"""Agent payloads: appointing or asking to act for a party, the party's decisions, the lawyer's workspace."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.cases import CaseSummaryOut
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

AUTHORITIES = ("general", "special")
AGENT_STATUSES = ("pending_confirmation", "pending_court_approval", "active", "declined", "revoked", "court_refused")
AGENT_KINDS = ("lawyer", "citizen")
CITIZEN_BASES = ("near_relative", "employee", "community_recommended", "unit_recommended")
APPROVAL_STATUSES = ("pending", "approved", "refused", "withdrawn")


class AgentCreateIn(InSchema):
    """Name the lawyer by user id or licence number (or, in litigation, a citizen agent), and the party."""

    agent_kind = fields.String(
        validate=validate.OneOf(AGENT_KINDS),
        metadata={"description": "lawyer (default) or citizen (公民代理, litigation only, approved by the court)"},
    )
    agent_user_id = fields.UUID(metadata={"description": "A citizen agent: a real-name verified user"})
    citizen_basis = fields.String(
        validate=validate.OneOf(CITIZEN_BASES),
        metadata={"description": "Why a citizen may act (CPL Art. 61): relative, staff, or recommended"},
    )
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
        if data.get("agent_kind") == "citizen":
            if "lawyer_user_id" in data or "license_number" in data:
                raise ValidationError("A citizen agent is named by agent_user_id.", field_name="lawyer_user_id")
            for name in ("agent_user_id", "citizen_basis"):
                if name not in data:
                    raise ValidationError("Required for a citizen agent.", field_name=name)
            return
        for name in ("agent_user_id", "citizen_basis"):
            if name in data:
                raise ValidationError("Only for a citizen agent (agent_kind citizen).", field_name=name)
        if ("lawyer_user_id" in data) == ("license_number" in data):
            raise ValidationError("Give either lawyer_user_id or license_number.", field_name="lawyer_user_id")


class AgentDecisionIn(InSchema):
    """Why (optional)."""

    reason = fields.String(validate=validate.Length(max=2000))


class AgentApprovalOut(OutSchema):
    """An appointment before the court (the court's queue, and on the agent)."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_number = fields.String(allow_none=True)
    case_status = fields.String(required=True)
    agent_id = fields.UUID(required=True)
    agent_status = fields.String(required=True, metadata={"enum": list(AGENT_STATUSES)})
    agent_kind = fields.String(required=True, metadata={"enum": list(AGENT_KINDS)})
    agent_name = fields.String(allow_none=True)
    citizen_basis = fields.String(allow_none=True)
    authority = fields.String(required=True)
    party_id = fields.UUID(required=True)
    party_name = fields.String(required=True)
    party_role = fields.String(required=True)
    grounds = fields.List(fields.String(), required=True, metadata={"description": "citizen_agent, special_authority"})
    power_of_attorney_evidence_id = fields.UUID(allow_none=True)
    status = fields.String(required=True, metadata={"enum": list(APPROVAL_STATUSES)})
    requested_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class AgentApprovalQueueArgs(CursorArgs):
    """The queue shows pending appointments unless another status is asked."""

    status = fields.String(validate=validate.OneOf(APPROVAL_STATUSES))


class AgentApprovalDecideIn(InSchema):
    """Approve or refuse, with reasons the parties read."""

    approved = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


AgentApprovalPage = cursor_page("AgentApprovalPage", AgentApprovalOut, "A page of the court's agent approval queue.")


class CaseAgentOut(OutSchema):
    """A lawyer or citizen agent acting, or asking to act, for a party."""

    agent_kind = fields.String(required=True, metadata={"enum": list(AGENT_KINDS)})
    citizen_basis = fields.String(allow_none=True)
    court_approval = fields.Nested(
        AgentApprovalOut, allow_none=True, metadata={"description": "Where the court decides"}
    )

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
