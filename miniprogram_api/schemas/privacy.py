"""Personal data rights: the export's status resource and account closure."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.casefile import ArchiveStatusOut


class DataExportStatusOut(ArchiveStatusOut):
    """The export of everything held about you: when ready, a ZIP link and a plain JSON link (both short-lived)."""

    json_url = fields.String(allow_none=True)


class ClosureIn(InSchema):
    """Closing the account cannot be undone: say so."""

    confirm = fields.Boolean(
        required=True,
        validate=validate.Equal(True),
        metadata={"description": "must be true: the account is closed for good"},
    )


class ClosureOut(OutSchema):
    """The closed account: what was de-identified and what the court keeps."""

    user_id = fields.UUID(required=True)
    status = fields.String(required=True)
    closed_at = fields.AwareDateTime(required=True)
    erased = fields.List(fields.String(), required=True)
    kept = fields.List(fields.String(), required=True)
