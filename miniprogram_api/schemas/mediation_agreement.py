"""Mediation outcome payloads: settled or failed, the agreement and its signatures, transfer to litigation."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema


class MediationOutcomeIn(InSchema):
    """The mediator's outcome: settled with terms, or failed with a reason."""

    result = fields.String(required=True, validate=validate.OneOf(["settled", "failed"]))
    terms = fields.String(validate=validate.Length(min=2, max=20000))
    reason = fields.String(validate=validate.Length(min=2, max=2000))


class AgreementSignatureOut(OutSchema):
    """One party's signature."""

    party_id = fields.UUID(required=True)
    party_name = fields.String(required=True)
    role = fields.String(required=True)
    signed_at = fields.AwareDateTime(required=True)
    agreement_sha256 = fields.String(required=True)
    signature_evidence_id = fields.UUID(allow_none=True)


class AgreementOut(OutSchema):
    """The mediation agreement, its SHA-256 and its signatures."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    template = fields.String(required=True)
    terms = fields.String(required=True)
    text = fields.String(required=True)
    sha256 = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    effective_at = fields.AwareDateTime(allow_none=True)
    parties_total = fields.Integer(required=True)
    signatures = fields.List(fields.Nested(AgreementSignatureOut), required=True)
    my_unsigned_party_ids = fields.List(fields.UUID())


class MediationOutcomeOut(OutSchema):
    """The case's status after the outcome, and its agreement when settled."""

    case_id = fields.UUID(required=True)
    status = fields.String(required=True)
    agreement = fields.Nested(AgreementOut, allow_none=True)


class AgreementReviseIn(InSchema):
    """Corrected terms (only before anyone has signed)."""

    terms = fields.String(required=True, validate=validate.Length(min=2, max=20000))


class AgreementSignIn(InSchema):
    """A signature; optionally an uploaded image of the handwritten signature."""

    signature_evidence_id = fields.UUID()


class LitigationTransferIn(InSchema):
    """The court to take the failed mediation to."""

    court_id = fields.UUID(required=True)
