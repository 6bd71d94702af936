"""Mediation payloads: directory, recommendations, assignment, outcome, agreement, judicial confirmation."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema

NAME = validate.Length(min=1, max=64)
REGION = validate.Length(min=2, max=64)
CATEGORY = validate.Length(min=1, max=40)


class MediationPageArgs(InSchema):
    """The page."""

    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(validate=validate.Range(min=1, max=1000))


class OrgSearchArgs(MediationPageArgs):
    """Filters of the organisation directory."""

    region = fields.String(validate=REGION)
    category = fields.String(validate=CATEGORY)


class MediatorSearchArgs(MediationPageArgs):
    """Filters of an organisation's mediators."""

    region = fields.String(validate=REGION)
    category = fields.String(validate=CATEGORY)


class LinkedCourtOut(OutSchema):
    """A court an organisation is linked to."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)


class OrgDirectoryOut(OutSchema):
    """An organisation's public directory entry."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    org_type = fields.String(required=True)
    region = fields.String(required=True)
    regions = fields.List(fields.String(), required=True)
    categories = fields.List(fields.String(), required=True, metadata={"description": "Empty: every category"})
    linked_courts = fields.List(fields.Nested(LinkedCourtOut), required=True)


class MediationOrgPageOut(OutSchema):
    """A page of organisations."""

    items = fields.List(fields.Nested(OrgDirectoryOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class MediatorOut(OutSchema):
    """A mediator's public profile (no phone, ID number or account id)."""

    id = fields.UUID(required=True, metadata={"description": "The mediator_id to choose"})
    org_id = fields.UUID(required=True)
    display_name = fields.String(required=True)
    title = fields.String(allow_none=True)
    bio = fields.String(allow_none=True)
    specialties = fields.List(fields.String(), required=True)
    region = fields.String(required=True)
    accepting = fields.Boolean(required=True)
    active_load = fields.Integer(required=True)
    max_load = fields.Integer(required=True)


class MediatorPageOut(OutSchema):
    """A page of mediators."""

    items = fields.List(fields.Nested(MediatorOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class RecommendationScoreOut(OutSchema):
    """How a recommendation scored (docs/mediation.md)."""

    specialty = fields.Float(required=True)
    region = fields.Float(required=True)
    load = fields.Float(required=True)
    total = fields.Float(required=True)


class RecommendationOut(MediatorOut):
    """A recommended mediator and its score."""

    score = fields.Nested(RecommendationScoreOut, required=True)


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


class MediationOfferPageOut(OutSchema):
    """A page of offers."""

    items = fields.List(fields.Nested(MediationOfferOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


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


class ConfirmationConsentOut(OutSchema):
    """A party joining the application."""

    party_id = fields.UUID(required=True)
    at = fields.AwareDateTime(required=True)
    as_applicant = fields.Boolean(required=True)


class ConfirmationOut(OutSchema):
    """An application for judicial confirmation and where it stands."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    status = fields.String(required=True)
    applied_at = fields.AwareDateTime(required=True)
    window_ends_at = fields.AwareDateTime(required=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    accept_due_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    accepted_late = fields.Boolean(required=True)
    case_number = fields.String(allow_none=True)
    decide_due_at = fields.AwareDateTime(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    consents = fields.List(fields.Nested(ConfirmationConsentOut), required=True)


class ConfirmationDecideIn(InSchema):
    """The court's decision."""

    confirmed = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=5000))


class LitigationTransferIn(InSchema):
    """The court to take the failed mediation to."""

    court_id = fields.UUID(required=True)


class MediatorProfileIn(InSchema):
    """A mediator's directory profile, set by the organisation's admin."""

    display_name = fields.String(required=True, validate=NAME)
    title = fields.String(allow_none=True, validate=validate.Length(max=64))
    bio = fields.String(allow_none=True, validate=validate.Length(max=500))
    specialties = fields.List(fields.String(validate=CATEGORY), required=True, validate=validate.Length(max=30))
    region = fields.String(required=True, validate=REGION)
    max_load = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    accepting = fields.Boolean(required=True)


class MediatorAdminOut(MediatorOut):
    """A profile as the organisation's admins see it."""

    user_id = fields.UUID(required=True)
    listed = fields.Boolean(required=True)


class MediatorAdminPageOut(OutSchema):
    """A page of profiles."""

    items = fields.List(fields.Nested(MediatorAdminOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class OrgDirectoryIn(InSchema):
    """The regions and categories an organisation serves."""

    regions = fields.List(fields.String(validate=REGION), validate=validate.Length(max=100))
    categories = fields.List(fields.String(validate=CATEGORY), validate=validate.Length(max=100))


class LinkedCourtsIn(InSchema):
    """The courts an organisation is linked to (the whole list)."""

    court_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=100))


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


class UnassignedPageOut(OutSchema):
    """A page of the queue."""

    items = fields.List(fields.Nested(UnassignedCaseOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
