"""Court review payloads: the filings queue, accept, reject, correction requests and the filer's answer."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, Money, OutSchema
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

# The states of a litigation filing (app/cases/lifecycle.py; schemas may not import services).
LITIGATION_STATES = ("submitted", "correction_requested", "accepted", "rejected", "withdrawn")


class FilingListArgs(CursorArgs):
    """Which filings, and the page."""

    status = fields.String(load_default="submitted", validate=validate.OneOf(LITIGATION_STATES))
    court_id = fields.UUID(metadata={"description": "One of the caller's courts (default: all of them)"})


class FilingOut(OutSchema):
    """A filing in the review queue."""

    id = fields.UUID(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    category = fields.String(required=True)
    title = fields.String(required=True)
    amount = Money(allow_none=True)
    filed_via = fields.String(required=True)
    court_id = fields.UUID(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    review_due_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When the court's review time limit ends (null while 补正 runs)"}
    )
    overdue = fields.Boolean(required=True, metadata={"description": "Submitted and past review_due_at"})
    accepted_at = fields.AwareDateTime(allow_none=True)
    correction_due_at = fields.AwareDateTime(allow_none=True)
    correction_overdue = fields.Boolean(required=True)


FilingPage = cursor_page("FilingPage", FilingOut, "A page of the queue, oldest submitted first.")


class AcceptIn(InSchema):
    """Accept a filing; a court system may send the case number its own system assigned."""

    case_number = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "e.g. (2026)浙0212民初1234号"}
    )


class RejectIn(InSchema):
    """Why the filing is not accepted."""

    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class CorrectionRequestIn(InSchema):
    """What the filer must correct, and in how many days."""

    items = fields.List(
        fields.String(validate=validate.Length(min=1, max=500)), required=True, validate=validate.Length(min=1, max=30)
    )
    due_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    note = fields.String(validate=validate.Length(max=2000))


class CorrectionAnswerIn(InSchema):
    """The filer's answer: the corrected fields (only those that change) and a note."""

    title = fields.String(validate=validate.Length(min=2, max=200))
    claims = fields.String(validate=validate.Length(min=2, max=5000))
    facts = fields.String(validate=validate.Length(min=2, max=20000))
    amount = Money(allow_none=True)
    category = fields.String(validate=validate.Length(min=1, max=40))
    note = fields.String(required=True, validate=validate.Length(min=2, max=2000))
