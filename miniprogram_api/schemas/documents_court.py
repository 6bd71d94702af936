"""A served document as the court sees it: its record, evidence events and notifications."""

from __future__ import annotations

from marshmallow import fields

from miniprogram_api.schemas.base import OutSchema


class EventOut(OutSchema):
    """One evidence event with its place in the hash chain."""

    seq = fields.Integer(required=True)
    type = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    actor_kind = fields.String()
    actor_id = fields.String(allow_none=True)
    actor_role = fields.String()
    data = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class NotificationOut(OutSchema):
    """A notification of the document and the provider's answer."""

    audience = fields.String(required=True)
    purpose = fields.String(required=True)
    channel = fields.String(required=True)
    status = fields.String(required=True)
    provider = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class CourtDocumentOut(OutSchema):
    """A served document as evidence for the court."""

    id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_number = fields.String(allow_none=True)
    recipient = fields.Dict(required=True)
    doc_type = fields.String(required=True)
    doc_type_label = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(allow_none=True)
    submitted_by = fields.String(required=True)
    rejection_reason = fields.String(allow_none=True)
    hold_reason = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    service_address = fields.String(allow_none=True)
    address_confirmed_by_recipient = fields.Boolean(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    first_opened_at = fields.AwareDateTime(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    served_at = fields.AwareDateTime(allow_none=True)
    served_basis = fields.String(allow_none=True)
    reminded_at = fields.AwareDateTime(allow_none=True)
    expired_at = fields.AwareDateTime(allow_none=True)
    failed_at = fields.AwareDateTime(allow_none=True)
    deadline = fields.Dict(allow_none=True)
    verification_code = fields.String(required=True)
    verify_url = fields.String(required=True)
    chain = fields.Dict(required=True)
    events = fields.List(fields.Nested(EventOut), required=True)
    notifications = fields.List(fields.Nested(NotificationOut), required=True)
    work_items = fields.List(fields.Dict(), required=True)
