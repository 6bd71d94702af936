"""The case file in hand (卷宗) and other archive builds: the status resource a phone polls."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import OutSchema

STATUSES = ("queued", "building", "ready", "failed", "expired")


class ArchiveStatusOut(OutSchema):
    """An archive being built in the background: poll it until `ready` (then download) or `failed`."""

    build_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    requested_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    item_count = fields.Integer(allow_none=True, metadata={"description": "files in the archive, the index excluded"})
    size = fields.Integer(allow_none=True, metadata={"description": "bytes of the ZIP"})
    sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the ZIP"})
    error = fields.String(allow_none=True)
    download_url = fields.String(
        allow_none=True, metadata={"description": "when ready: a short-lived link (ARCHIVE_LINK_EXPIRES_SECONDS)"}
    )
    download_expires_at = fields.AwareDateTime(allow_none=True)
    poll_after_seconds = fields.Integer(allow_none=True, metadata={"description": "while queued or building"})


class CaseFileStatusOut(ArchiveStatusOut):
    """A case file: the caller's view of one case (`party`) or the court's full file (`full`)."""

    case_id = fields.UUID(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(("party", "full")))
