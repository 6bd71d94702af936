"""Court pushes of documents to serve: one, a batch, or a direct upload first; and the outcome of each."""

from __future__ import annotations

from collections.abc import Mapping

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate, validates_schema
from marshmallow.types import StrSequenceOrSet

from miniprogram_api import json_input
from miniprogram_api.schemas.base import InSchema, OutSchema

PRINTABLE_KEY = validate.Regexp(r"^[\x21-\x7e]{1,255}$", error="1 to 255 printable ASCII characters.")


class JsonNested(fields.Nested):
    """A nested object sent as a JSON string (a multipart text part), validated like any nested schema."""

    def _deserialize(
        self,
        value: object,
        attr: str | None,
        data: Mapping[str, object] | None,
        partial: bool | StrSequenceOrSet | None = None,
        **kwargs: object,
    ) -> object:
        if isinstance(value, str | bytes):
            try:
                value = json_input.loads(value)
            except ValueError:
                raise ValidationError("Not valid JSON.") from None
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class DocumentMetaIn(InSchema):
    """What is served, on whom, in which case."""

    case_id = fields.UUID(metadata={"description": "The case, by id (or give case_number)."})
    case_number = fields.String(validate=validate.Length(min=1, max=64), metadata={"example": "(2026)浙0212民初1234号"})
    recipient_party_id = fields.UUID(required=True)
    doc_type = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "summons, notice, hearing_notice, evidence_notice, complaint_copy, answer_copy, "
            "payment_order, judgment, ruling, mediation_document, other"
        },
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    response_days = fields.Integer(
        validate=validate.Range(min=1, max=365),
        metadata={
            "description": "Days to respond, counted from the day after service (default: the type's statutory period)."
        },
    )
    sha256 = fields.String(
        validate=validate.Regexp(r"^[0-9a-fA-F]{64}$", error="64 hexadecimal characters."),
        metadata={"description": "Optional: the SHA-256 the court computed; a different file is rejected."},
    )
    upload_id = fields.UUID(
        metadata={"description": "A file uploaded with POST /documents/uploads (instead of `file`)."}
    )

    @validates_schema
    def _one_case(self, data: dict, **_kwargs: object) -> None:
        if ("case_id" in data) == ("case_number" in data):
            raise ValidationError("Give exactly one of case_id and case_number.", field_name="case_id")


class DocumentPushIn(InSchema):
    """multipart/form-data: `meta` (JSON text) and `file` (PDF or OFD)."""

    meta = JsonNested(DocumentMetaIn, required=True)
    file = Upload(metadata={"description": "The PDF or OFD file (or give meta.upload_id)."})


class BatchItemIn(InSchema):
    """One document of a batch: its own key, the name of its file part, its meta."""

    idempotency_key = fields.String(required=True, validate=PRINTABLE_KEY)
    file = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Name of the multipart part that holds the file."},
    )
    meta = fields.Nested(DocumentMetaIn, required=True)


class BatchIn(InSchema):
    """multipart/form-data: `items` (a JSON array of BatchItemIn) plus one file part per item."""

    items = fields.Method(deserialize="_items", required=True, metadata={"description": "JSON array of items."})

    def _items(self, value: object) -> list[dict]:
        if isinstance(value, str | bytes):
            try:
                value = json_input.loads(value)
            except ValueError:
                raise ValidationError("Not valid JSON.") from None
        if not isinstance(value, list) or not value:
            raise ValidationError("A non-empty JSON array of items.")
        return BatchItemIn(many=True).load(value)


class UploadIn(InSchema):
    """The file a court system is about to upload straight to the store."""

    content_type = fields.String(required=True, validate=validate.OneOf(["application/pdf", "application/ofd"]))
    size = fields.Integer(required=True, validate=validate.Range(min=1))
    sha256 = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$", error="64 hexadecimal characters.")
    )
    court_id = fields.UUID(metadata={"description": "Needed only by staff of several courts."})


class UploadOut(OutSchema):
    """Where to send the file: a multipart POST of `upload.fields` plus the file as `upload.file_field`."""

    upload_id = fields.UUID(required=True)
    upload = fields.Dict(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PushOut(OutSchema):
    """The outcome of one push."""

    document_id = fields.UUID(required=True)
    status = fields.String(required=True, metadata={"description": "delivered, held or rejected"})
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    verification_code = fields.String(required=True)
    rejection_reason = fields.String(allow_none=True)
    hold_reason = fields.String(allow_none=True)
    served_at = fields.AwareDateTime(allow_none=True)
    deadline = fields.Dict(allow_none=True)
    replayed = fields.Boolean(required=True)


class BatchItemOut(OutSchema):
    """One item's result: an HTTP-like status with the document or the error in the one error shape."""

    index = fields.Integer(required=True)
    idempotency_key = fields.String(allow_none=True)
    status = fields.Integer(required=True)
    document = fields.Nested(PushOut, allow_none=True)
    error = fields.Dict(allow_none=True)


class BatchOut(OutSchema):
    """Per-item results, in the order sent."""

    items = fields.List(fields.Nested(BatchItemOut), required=True)
