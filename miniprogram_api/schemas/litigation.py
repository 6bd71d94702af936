"""Litigation after acceptance: the court's steps, the litigation view, appeals and enforcement applications."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

CLOSING_METHODS = (
    "judgment",
    "dismissal",
    "mediation",
    "withdrawal_permitted",
    "treated_as_withdrawn",
    "transfer",
    "termination",
    "other",
)
APPEAL_STATES = ("filed", "acknowledged", "forwarded")
ENFORCEMENT_STATES = ("submitted", "accepted", "rejected")
NOTE_LENGTH = validate.Length(max=5000)


class NoteIn(InSchema):
    """An optional note for the timeline."""

    note = fields.String(validate=NOTE_LENGTH)


class DecisionIn(InSchema):
    """How the case is decided (结案)."""

    closing_method = fields.String(
        required=True,
        validate=validate.OneOf(CLOSING_METHODS),
        metadata={
            "description": "judgment 判决, dismissal 驳回起诉 (ruling), mediation 调解书: the case is adjudicated when "
            "the document is served; withdrawal_permitted 准予撤诉, treated_as_withdrawn 按撤诉处理, transfer 移送, "
            "termination 终结诉讼, other: closed at once"
        },
    )
    note = fields.String(validate=NOTE_LENGTH)
    performance_days = fields.Integer(
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "The performance period the judgment or statement sets, from its legal effect"},
    )
    decided_at = fields.AwareDateTime(metadata={"description": "When it was decided (default now; never later)"})


class DomicileIn(InSchema):
    """Whether the party has no domicile in China (30 days to appeal, CPL Art. 286)."""

    domicile_abroad = fields.Boolean(required=True)


class DomicileOut(OutSchema):
    """A party's recorded domicile."""

    case_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    domicile_abroad = fields.Boolean(required=True)


class AppealIn(InSchema):
    """An appeal (上诉状)."""

    party_id = fields.UUID(metadata={"description": "The appealing party (needed when you act for several)"})
    statement = fields.String(
        required=True, validate=validate.Length(min=2, max=5000), metadata={"description": "上诉请求"}
    )
    grounds = fields.String(
        required=True, validate=validate.Length(min=2, max=20000), metadata={"description": "上诉理由"}
    )
    evidence_ids = fields.List(
        fields.UUID(),
        validate=validate.Length(max=100),
        metadata={"description": "Evidence of yours in this case, uploaded through the evidence flow"},
    )


class AppealOut(OutSchema):
    """An appeal and where it stands."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    court_id = fields.UUID(required=True, metadata={"description": "The first-instance court"})
    party_id = fields.UUID(required=True)
    document_id = fields.UUID(required=True, metadata={"description": "The served decision appealed"})
    filed_as = fields.String(required=True, metadata={"description": "party | lawyer"})
    statement = fields.String(required=True)
    grounds = fields.String(required=True)
    evidence_ids = fields.List(fields.String(), required=True)
    filed_at = fields.AwareDateTime(required=True)
    deadline_ends_at = fields.AwareDateTime(required=True, metadata={"description": "The end of the party's period"})
    status = fields.String(required=True, metadata={"description": "filed | acknowledged | forwarded"})
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    forwarded_at = fields.AwareDateTime(allow_none=True)
    court_note = fields.String(allow_none=True)


class AppealQueueArgs(CursorArgs):
    """Which appeals, and the page."""

    status = fields.String(
        validate=validate.OneOf(APPEAL_STATES), metadata={"description": "Default: filed and acknowledged"}
    )
    court_id = fields.UUID(metadata={"description": "One of the caller's courts (default: all of them)"})


AppealPage = cursor_page("AppealPage", AppealOut, "A page of appeals, oldest filed first.")


class PropertyClueIn(InSchema):
    """A lead to the other side's property (财产线索)."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(("bank_account", "real_estate", "vehicle", "equity", "receivable", "other")),
    )
    description = fields.String(required=True, validate=validate.Length(min=2, max=1000))


class EnforcementIn(InSchema):
    """An application for enforcement (申请执行书)."""

    party_id = fields.UUID(metadata={"description": "The applying party (needed when you act for several)"})
    court_id = fields.UUID(metadata={"description": "The enforcement court (default: the case's court)"})
    request = fields.String(
        required=True, validate=validate.Length(min=2, max=5000), metadata={"description": "执行请求"}
    )
    property_clues = fields.List(fields.Nested(PropertyClueIn), required=True, validate=validate.Length(max=50))


class PropertyClueOut(OutSchema):
    """A property clue as given."""

    kind = fields.String(required=True)
    description = fields.String(required=True)


class EnforcementOut(OutSchema):
    """An enforcement application and where it stands."""

    id = fields.UUID(required=True)
    origin_case_id = fields.UUID(required=True, metadata={"description": "The case whose decision is enforced"})
    court_id = fields.UUID(required=True, metadata={"description": "The enforcement court"})
    applicant_party_id = fields.UUID(required=True)
    request = fields.String(required=True)
    property_clues = fields.List(fields.Nested(PropertyClueOut), required=True)
    applied_at = fields.AwareDateTime(required=True)
    limitation_ends_at = fields.AwareDateTime(required=True, metadata={"description": "End of the 2-year period"})
    status = fields.String(required=True, metadata={"description": "submitted | accepted | rejected"})
    case_number = fields.String(allow_none=True, metadata={"description": "The enforcement case number (执)"})
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class EnforcementQueueArgs(CursorArgs):
    """Which applications, and the page."""

    status = fields.String(validate=validate.OneOf(ENFORCEMENT_STATES), metadata={"description": "Default: submitted"})
    court_id = fields.UUID(metadata={"description": "One of the caller's courts (default: all of them)"})


EnforcementPage = cursor_page("EnforcementPage", EnforcementOut, "A page of applications, oldest first.")


class EnforcementRejectIn(InSchema):
    """The reasons for not accepting."""

    reason = fields.String(required=True, validate=validate.Length(min=2, max=5000))


class DecisionOut(OutSchema):
    """The recorded decision."""

    closing_method = fields.String(required=True)
    closing_method_label = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "recorded | served | appealed | effective | closed"})
    decided_at = fields.AwareDateTime(required=True)
    performance_days = fields.Integer(allow_none=True)
    served_at = fields.AwareDateTime(allow_none=True)
    effective_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(allow_none=True)


class PartyDeadlineOut(OutSchema):
    """A party's appeal deadline, with the deadline engine's explanation."""

    party_id = fields.UUID(required=True)
    served = fields.Boolean(required=True)
    deadline = fields.Dict(allow_none=True, required=True)


class LitigationOut(OutSchema):
    """A case after acceptance: the decision, appeal deadlines, appeals, enforcement."""

    case_id = fields.UUID(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    decision = fields.Nested(DecisionOut, allow_none=True, required=True)
    appeal_deadlines = fields.List(fields.Nested(PartyDeadlineOut), required=True)
    appeals = fields.List(fields.Nested(AppealOut), required=True)
    enforcement_limitation = fields.Dict(
        allow_none=True, required=True, metadata={"description": "The 2-year period (CPL Art. 250), explained"}
    )
    enforcement_applications = fields.List(fields.Nested(EnforcementOut), required=True)
