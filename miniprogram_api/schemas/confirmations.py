"""The court's queue of judicial-confirmation applications: query arguments and the page."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema

# The states an application has once it reached the court (app/mediation/confirmation_queue.py).
COURT_STATES = ("submitted", "accepted", "confirmed", "rejected")


class ConfirmationQueueArgs(InSchema):
    """Which applications, and the page."""

    status = fields.String(
        validate=validate.OneOf(COURT_STATES),
        metadata={"description": "One state; default: waiting for the court (submitted and accepted)"},
    )
    court_id = fields.UUID(metadata={"description": "One of the caller's courts (default: all of them)"})
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(validate=validate.Range(min=1, max=1000))


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


class ConfirmationQueuePageOut(OutSchema):
    """A page of the queue, oldest submitted first."""

    items = fields.List(fields.Nested(ConfirmationQueueItemOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
