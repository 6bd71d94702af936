"""Judicial confirmation payloads: an application and its consents, the court's decision, and the court's queue."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

# The states an application has once it reached the court (app/mediation/confirmation_queue.py).
COURT_STATES = ("submitted", "accepted", "confirmed", "rejected")


class ConfirmationQueueArgs(CursorArgs):
    """Which applications, and the page."""

    status = fields.String(
        validate=validate.OneOf(COURT_STATES),
        metadata={"description": "One state; default: waiting for the court (submitted and accepted)"},
    )
    court_id = fields.UUID(metadata={"description": "One of the caller's courts (default: all of them)"})


class ConfirmationQueueItemOut(OutSchema):
    """An application in the court's queue."""

    id = fields.UUID(required=True, metadata={"description": "The application"})
    case_id = fields.UUID(required=True)
    case_title = fields.String(required=True)
    case_number = fields.String(allow_none=True, metadata={"description": "The 调确 number once accepted"})
    court_id = fields.UUID(required=True)
    status = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    court_deadline = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "accept_due_at while submitted, decide_due_at while accepted; null once decided"},
    )
    overdue = fields.Boolean(required=True)


ConfirmationQueuePage = cursor_page(
    "ConfirmationQueuePage", ConfirmationQueueItemOut, "A page of the queue, oldest submitted first."
)


class ConfirmationConsentOut(OutSchema):
    """A party joining the application."""

    party_id = fields.UUID(required=True)
    at = fields.AwareDateTime(required=True)
    as_applicant = fields.Boolean(required=True)


class ConfirmationApplyIn(InSchema):
    """The court to ask, when the case names only an organisation (optional: the venue rule picks otherwise)."""

    court_id = fields.UUID(
        metadata={"description": "The case's court, or one linked to its organisation (GET .../courts lists them)"}
    )


class ConfirmationCourtOut(OutSchema):
    """A court the parties may ask to confirm their agreement."""

    id = fields.UUID(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)
    venue = fields.Boolean(required=True, metadata={"description": "The court the venue rule picks (CPL Art. 205)"})
    named = fields.Boolean(required=True, metadata={"description": "The court the case itself names"})


class ConfirmationOut(OutSchema):
    """An application for judicial confirmation and where it stands."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    status = fields.String(required=True)
    applied_at = fields.AwareDateTime(required=True)
    window_ends_at = fields.AwareDateTime(required=True)
    window_calendar_covered = fields.Boolean(
        required=True,
        metadata={"description": "False: next year's holidays are not entered; the window ends no earlier than this"},
    )
    submitted_at = fields.AwareDateTime(allow_none=True)
    accept_due_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    accepted_late = fields.Boolean(required=True)
    case_number = fields.String(allow_none=True)
    decide_due_at = fields.AwareDateTime(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    consents = fields.List(fields.Nested(ConfirmationConsentOut), required=True)


class ConfirmationDecideIn(InSchema):
    """The court's decision."""

    confirmed = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=5000))
