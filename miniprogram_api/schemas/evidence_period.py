"""Evidence period payloads: setting and extending it (court), applying for more time (party), late decisions."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema

PROCEDURES = ("ordinary", "summary", "small_claims")
REASON = validate.Length(min=1, max=2000)


class EvidencePeriodSetIn(InSchema):
    """The procedure and the days (ordinary >= 15; summary <= 15; small claims usually <= 7, more with a reason)."""

    procedure = fields.String(
        required=True,
        validate=validate.OneOf(PROCEDURES),
        metadata={"description": "ordinary (普通程序), summary (简易程序) or small_claims (小额诉讼)"},
    )
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=365))
    reason = fields.String(validate=REASON, metadata={"description": "Required above the usual maximum"})


class EvidencePeriodExtendIn(InSchema):
    """The court's own extension: days counted on from the current last day, and why."""

    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=60))
    reason = fields.String(required=True, validate=REASON)


class EvidenceExtensionApplyIn(InSchema):
    """A party's application for more time, before the period ends."""

    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=60))
    reason = fields.String(required=True, validate=REASON)
    party_id = fields.UUID(metadata={"description": "Only when the caller acts for several parties"})


class EvidenceExtensionDecideIn(InSchema):
    """Grant (optionally with other days than asked) or refuse, with reasons."""

    granted = fields.Boolean(required=True)
    days = fields.Integer(strict=True, validate=validate.Range(min=1, max=60))
    reason = fields.String(required=True, validate=REASON)


class LateEvidenceDecisionIn(InSchema):
    """Admit or refuse a late item (逾期举证), with reasons the parties read."""

    admitted = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=REASON)


class EvidenceExtensionOut(OutSchema):
    """An application (party_id set) or the court's own extension (party_id null)."""

    id = fields.UUID(required=True)
    party_id = fields.UUID(allow_none=True)
    requested_days = fields.Integer(required=True)
    reason = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "granted", "refused"]})
    granted_days = fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    previous_ends_at = fields.AwareDateTime(allow_none=True)
    new_ends_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class LateEvidenceItemOut(OutSchema):
    """A submitted late item waiting for the court's decision."""

    evidence_id = fields.UUID(required=True)
    title = fields.String(required=True)
    party_id = fields.UUID(required=True)
    late_reason = fields.String(allow_none=True)


class EvidencePeriodOut(OutSchema):
    """The period, its explained end (deadline engine), the notices served and the extensions."""

    case_id = fields.UUID(required=True)
    procedure = fields.String(required=True, metadata={"enum": list(PROCEDURES)})
    days = fields.Integer(required=True)
    extended_days = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "1 when set, +1 per extension (one notice each)"})
    set_at = fields.AwareDateTime(required=True)
    reason = fields.String(allow_none=True)
    last_day = fields.Date(required=True)
    ends_at = fields.AwareDateTime(required=True, metadata={"description": "24:00 Asia/Shanghai of the last day"})
    ended = fields.Boolean(required=True)
    deadline = fields.Dict(required=True, metadata={"description": "The deadline engine's answer with explanation"})
    notice_document_ids = fields.List(fields.String(), required=True)
    extensions = fields.List(fields.Nested(EvidenceExtensionOut), required=True)
    notices_missing = fields.List(
        fields.UUID(),
        required=True,
        metadata={"description": "Court only: parties still without this version's notice (re-serve them)"},
    )
    late_items_pending = fields.List(
        fields.Nested(LateEvidenceItemOut), required=True, metadata={"description": "Court only"}
    )
