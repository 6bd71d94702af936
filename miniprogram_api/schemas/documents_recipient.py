"""Served documents as their recipient sees them: the inbox, one document, the download link."""

from __future__ import annotations

from marshmallow import fields

from miniprogram_api.schemas.base import OutSchema
from miniprogram_api.schemas.pages import cursor_page


class InboxItemOut(OutSchema):
    """A document in the recipient's inbox."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    doc_type = fields.String(required=True)
    doc_type_label = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    served_at = fields.AwareDateTime(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)


InboxPage = cursor_page("InboxPage", InboxItemOut, "A page of the inbox.")


class EventTimeOut(OutSchema):
    """An event's type and server time."""

    seq = fields.Integer()
    type = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class RecipientDocumentOut(InboxItemOut):
    """A document as its recipient (or their lawyer) sees it."""

    case_number = fields.String(allow_none=True)
    court = fields.Dict(allow_none=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    content_type = fields.String(allow_none=True)
    served_basis = fields.String(allow_none=True)
    deadline = fields.Dict(allow_none=True)
    my_relation = fields.String(required=True)
    events = fields.List(fields.Nested(EventTimeOut), required=True)


class DownloadOut(OutSchema):
    """A short-lived link to the file."""

    download_url = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
