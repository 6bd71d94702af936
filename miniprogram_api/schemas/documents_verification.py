"""A service certificate's public verification: what anyone holding the code may learn."""

from __future__ import annotations

from marshmallow import fields

from miniprogram_api.schemas.base import OutSchema
from miniprogram_api.schemas.documents_recipient import EventTimeOut


class VerificationOut(OutSchema):
    """What anyone may learn from a verification code: no personal data."""

    verification_code = fields.String(required=True)
    chain_valid = fields.Boolean(required=True)
    court = fields.Dict(allow_none=True)
    case_number = fields.String(allow_none=True)
    doc_type = fields.String(required=True)
    doc_type_label = fields.String(required=True)
    title_sha256 = fields.String(required=True)
    document_sha256 = fields.String(required=True)
    status = fields.String(required=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    served_at = fields.AwareDateTime(allow_none=True)
    served_basis = fields.String(allow_none=True)
    events = fields.List(fields.Nested(EventTimeOut), required=True)
