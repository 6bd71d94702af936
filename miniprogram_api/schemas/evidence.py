"""Evidence payloads: upload requests and forms, catalogue items, details with custody, opinions."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import CLEANED, InSchema, OutSchema
from miniprogram_api.schemas.pages import cursor_page

OPINION_VALUES = ("admitted", "disputed", "partly_admitted")
SHA256 = validate.Regexp(r"^[0-9a-fA-F]{64}$", error="A SHA-256 is 64 hexadecimal characters.")


class UploadRequestIn(InSchema):
    """What the phone declares about the file before uploading it (the server checks all of it afterwards)."""

    filename = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024),
        metadata={"description": "Shown to readers", CLEANED: "removed by the server"},  # NUL too: cleaned
    )
    content_type = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "application/pdf, image/jpeg, image/png, image/heic, video/mp4, audio/mpeg, "
            "audio/mp4 (M4A) or audio/amr"
        },
    )
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata={"description": "Bytes"})
    sha256 = fields.String(required=True, validate=SHA256)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    purpose = fields.String(
        required=True, validate=validate.Length(min=1, max=2000), metadata={"description": "证明目的"}
    )
    party_id = fields.UUID(metadata={"description": "Only when the caller acts for several parties"})
    late_reason = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Why the evidence comes after the evidence period ended (required then; 逾期举证)"},
    )
    stage = fields.String(
        validate=validate.OneOf(("first_instance", "appeal")),
        metadata={"description": "appeal: new evidence for an appeal, while the party's appeal period runs"},
    )


class UploadFormOut(OutSchema):
    """A multipart POST target: post `fields` and then the file as `file_field` (what wx.uploadFile sends)."""

    url = fields.String(required=True)
    form_fields = fields.Dict(
        keys=fields.String(), values=fields.String(), attribute="fields", data_key="fields", required=True
    )
    method = fields.String(required=True)
    file_field = fields.String(required=True)


class UploadTicketOut(OutSchema):
    """The new item and where to upload its file."""

    evidence_id = fields.UUID(required=True)
    upload = fields.Nested(UploadFormOut, required=True)
    expires_at = fields.AwareDateTime(required=True)


class EvidenceOut(OutSchema):
    """One item of a catalogue."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    status = fields.String(
        required=True,
        metadata={
            "enum": ["pending", "verifying", "stored", "rejected"],
            "description": "pending (not completed), verifying (completed; the server is checking the file: poll "
            "GET /evidence/{id}), stored (verified), rejected (see rejection_reason)",
        },
    )
    submitted = fields.Boolean(required=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    catalogue_order = fields.Integer(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    purpose = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(attribute="declared_type", required=True)
    detected_type = fields.String(allow_none=True)
    size = fields.Integer(attribute="declared_size", required=True)
    sha256 = fields.String(attribute="declared_sha256", required=True, metadata={"description": "Verified once stored"})
    page_count = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    upload_expires_at = fields.AwareDateTime(required=True)
    stored_at = fields.AwareDateTime(allow_none=True)
    rejected_at = fields.AwareDateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True, metadata={"description": "e.g. evidence.hash_mismatch"})
    late = fields.Boolean(required=True, metadata={"description": "Given after the evidence period ended (逾期举证)"})
    late_reason = fields.String(allow_none=True)
    late_decision = fields.String(
        allow_none=True,
        metadata={"enum": ["pending", "admitted", "refused", None], "description": "The court's, if late"},
    )
    late_decision_reason = fields.String(allow_none=True)
    late_decided_at = fields.AwareDateTime(allow_none=True)


EvidencePage = cursor_page("EvidencePage", EvidenceOut, "A page of the catalogue: party by party, in catalogue order.")


class CustodyEventOut(OutSchema):
    """Who did what to the item, when, and the SHA-256 it had then."""

    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True)
    actor_user_id = fields.UUID(allow_none=True)
    actor_role = fields.String(required=True)
    sha256 = fields.String(allow_none=True)


class OpinionIn(InSchema):
    """A party's cross-examination opinion (质证意见)."""

    authenticity = fields.String(required=True, validate=validate.OneOf(OPINION_VALUES))
    legality = fields.String(required=True, validate=validate.OneOf(OPINION_VALUES))
    relevance = fields.String(required=True, validate=validate.OneOf(OPINION_VALUES))
    comment = fields.String(
        validate=validate.Length(max=5000), metadata={"description": "Required unless all admitted"}
    )
    party_id = fields.UUID(metadata={"description": "Only when the caller acts for several parties"})


class OpinionOut(OutSchema):
    """An opinion on an item."""

    id = fields.UUID(required=True)
    evidence_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    authenticity = fields.String(required=True)
    legality = fields.String(required=True)
    relevance = fields.String(required=True)
    comment = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class EvidenceDetailOut(EvidenceOut):
    """An item with its download link (<= 5 minutes, attachment, UTF-8 file name), custody and opinions."""

    download_url = fields.String(allow_none=True, required=True)
    download_expires_at = fields.AwareDateTime(allow_none=True, required=True)
    custody_events = fields.List(fields.Nested(CustodyEventOut), required=True, metadata={"description": "Newest 100"})
    custody_event_count = fields.Integer(required=True)
    opinions = fields.List(fields.Nested(OpinionOut), required=True)
    mine = fields.Boolean(required=True, metadata={"description": "The caller's party's own item"})
