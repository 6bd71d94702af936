"""Court-to-organisation delegation payloads (委派调解 / 委托调解): sending, the answers, the lists."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.mediation_assignment import MediatorAssignmentOut
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

# app/mediation/models.py DELEGATION_STATES (a sent delegation past its due date reads as expired)
STATES = ("sent", "accepted", "declined", "expired", "returned", "recalled")


class DelegationSendIn(InSchema):
    """The court's case or dispute, the linked organisation, and the date the mediation is due."""

    case_id = fields.UUID(required=True)
    org_id = fields.UUID(required=True)
    due_date = fields.Date(required=True, metadata={"description": "Asia/Shanghai calendar day, today or later"})
    note = fields.String(validate=validate.Length(max=1000), allow_none=True)


class DelegationArgs(CursorArgs):
    """Which delegations, and the page."""

    state = fields.String(validate=validate.OneOf(STATES), metadata={"description": "One state; default: all"})


class DelegationAcceptIn(InSchema):
    """Optionally, the organisation's mediator to offer the case to at once (as an org admin assigns today)."""

    mediator_id = fields.UUID(allow_none=True)


class DelegationDeclineIn(InSchema):
    """Why the organisation declines."""

    reason = fields.String(required=True, validate=validate.Length(min=2, max=1000))


class DelegationRecallIn(InSchema):
    """Why the court takes the delegation back (required once the organisation has accepted)."""

    reason = fields.String(validate=validate.Length(min=2, max=1000), allow_none=True)


class DelegationOut(OutSchema):
    """A delegation: where it went, its state and due date, the mediation made of it and the outcome returned."""

    id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    org_id = fields.UUID(required=True)
    org_name = fields.String(required=True)
    case_id = fields.UUID(required=True, metadata={"description": "The court's dispute or case"})
    case_kind = fields.String(required=True)
    case_title = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    case_status = fields.String(required=True)
    stage = fields.String(required=True, metadata={"description": "pre_filing (委派) | post_filing (委托)"})
    state = fields.String(
        required=True, metadata={"description": "sent | accepted | declined | expired | returned | recalled"}
    )
    due_date = fields.Date(required=True)
    overdue = fields.Boolean(required=True, metadata={"description": "Accepted and not returned by the due date"})
    note = fields.String(allow_none=True)
    sent_at = fields.AwareDateTime(required=True)
    responded_at = fields.AwareDateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    mediation_case_id = fields.UUID(allow_none=True, metadata={"description": "The mediation, once accepted"})
    mediation_status = fields.String(allow_none=True)
    returned_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String(
        allow_none=True,
        metadata={"description": "settled | failed | withdrawn: how the mediation ended (returned, or recalled)"},
    )
    recalled_at = fields.AwareDateTime(allow_none=True)
    recall_reason = fields.String(allow_none=True)
    overdue_notified_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When the organisation was told the due date had passed"}
    )
    carried_back_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When the mediation's evidence and mandates came back into the court's case"},
    )
    carried_back_count = fields.Integer(allow_none=True, metadata={"description": "Evidence items carried back"})
    assignment = fields.Nested(MediatorAssignmentOut, allow_none=True)


DelegationPage = cursor_page("DelegationPage", DelegationOut, "A page of delegations, newest first.")
