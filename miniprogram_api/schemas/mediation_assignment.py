"""Mediator assignment payloads: choosing, offers and answers, and the queue of cases waiting for a mediator."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.mediation_directory import MediatorOut
from miniprogram_api.schemas.pages import cursor_page


class ChooseMediatorIn(InSchema):
    """The mediator a party chooses or the org admin assigns."""

    mediator_id = fields.UUID(required=True)


class MediatorDeclineIn(InSchema):
    """Why the mediator declines."""

    reason = fields.String(validate=validate.Length(max=1000))


class MediatorAssignmentOut(OutSchema):
    """An offer of the case to a mediator, and the answer; the mediation clock once accepted."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    status = fields.String(required=True)
    assigned_via = fields.String(required=True)
    assigned_at = fields.AwareDateTime(required=True)
    responded_at = fields.AwareDateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    mediator = fields.Nested(MediatorOut, required=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    mediation_due_at = fields.AwareDateTime(allow_none=True)
    mediation_warn_at = fields.AwareDateTime(allow_none=True)


class MediationOfferCaseOut(OutSchema):
    """The case of an offer, briefly."""

    id = fields.UUID(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class MediationOfferOut(MediatorAssignmentOut):
    """An offer waiting for the caller's answer."""

    case = fields.Nested(MediationOfferCaseOut, required=True)


MediationOfferPage = cursor_page("MediationOfferPage", MediationOfferOut, "A page of offers.")


class QueueDeclineOut(OutSchema):
    """A mediator's refusal of a queued case."""

    at = fields.AwareDateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    mediator_id = fields.UUID(required=True)


class UnassignedCaseOut(OutSchema):
    """A dispute waiting for a mediator."""

    id = fields.UUID(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    status = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    declines = fields.List(fields.Nested(QueueDeclineOut), required=True)


UnassignedCasePage = cursor_page("UnassignedCasePage", UnassignedCaseOut, "A page of the queue.")
