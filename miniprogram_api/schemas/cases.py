"""Case payloads: filing, listing, detail, timeline."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, Money, OutSchema
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

KINDS = ("mediation", "litigation")


class PartyIn(InSchema):
    """A party named in a filing."""

    role = fields.String(required=True, validate=validate.Length(min=1, max=16))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    party_type = fields.String(load_default="person", validate=validate.OneOf(["person", "organization"]))
    phone = fields.String(validate=validate.Length(max=32))
    id_number = fields.String(validate=validate.Length(max=24))
    org_code = fields.String(
        validate=validate.Regexp(r"^[0-9A-HJ-NPQRTUWXY]{18}$", error="A unified social credit code has 18 characters.")
    )
    address = fields.String(validate=validate.Length(max=255))
    is_self = fields.Boolean(load_default=False)


class ConsentsIn(InSchema):
    """The filer's consents."""

    e_service = fields.Boolean(required=True)
    online_mediation = fields.Boolean(load_default=False)


class CaseCreateIn(InSchema):
    """A dispute for mediation or a filing for litigation."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    court_id = fields.UUID()
    org_id = fields.UUID()
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    claims = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    facts = fields.String(required=True, validate=validate.Length(min=2, max=20000))
    amount = Money()
    parties = fields.List(fields.Nested(PartyIn), required=True, validate=validate.Length(min=2, max=30))
    consents = fields.Nested(ConsentsIn, required=True)
    service_address = fields.String(validate=validate.Length(max=255))


class CaseListArgs(CursorArgs):
    """Filters and the page."""

    status = fields.String(validate=validate.Length(max=40))
    kind = fields.String(validate=validate.OneOf(KINDS))


class CaseSummaryOut(OutSchema):
    """A case in a list."""

    id = fields.UUID(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    case_number = fields.String(allow_none=True)
    category = fields.String(required=True)
    title = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    court_id = fields.UUID(allow_none=True)
    org_id = fields.UUID(allow_none=True)


CasePage = cursor_page("CasePage", CaseSummaryOut, "A page of cases.")


class VenueOut(OutSchema):
    """A court or organisation, briefly."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    code = fields.String()


class PartyOut(OutSchema):
    """A party; phone and ID number masked unless the caller is (or acts for) that party."""

    id = fields.UUID(required=True)
    role = fields.String(required=True)
    party_type = fields.String(required=True)
    name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True)
    joined = fields.Boolean(required=True)
    is_me = fields.Boolean(required=True)


class AgentOut(OutSchema):
    """A lawyer acting for a party."""

    id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    lawyer_name = fields.String(allow_none=True)
    status = fields.String(required=True)
    authority = fields.String(required=True)


class CorrectionOut(OutSchema):
    """An open correction request (补正)."""

    id = fields.UUID(required=True)
    items = fields.List(fields.String(), required=True)
    note = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(required=True)


class ConsentOut(OutSchema):
    """A consent of one of the caller's parties."""

    kind = fields.String(required=True)
    given = fields.Boolean(required=True)
    address = fields.String(allow_none=True)
    address_confirmed = fields.Boolean(required=True)
    method = fields.String(required=True)
    given_at = fields.AwareDateTime(required=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)


class CaseDetailOut(CaseSummaryOut):
    """A case as the caller may see it."""

    claims = fields.String(required=True)
    facts = fields.String(required=True)
    amount = Money(allow_none=True)
    filed_via = fields.String(required=True)
    review_due_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    origin_case_id = fields.UUID(allow_none=True)
    mediator_user_id = fields.UUID(allow_none=True)
    court = fields.Nested(VenueOut, allow_none=True)
    org = fields.Nested(VenueOut, allow_none=True)
    parties = fields.List(fields.Nested(PartyOut), required=True)
    agents = fields.List(fields.Nested(AgentOut), required=True)
    my_relations = fields.List(fields.String(), required=True)
    my_party_ids = fields.List(fields.UUID(), required=True)
    open_correction = fields.Nested(CorrectionOut, allow_none=True)
    consents = fields.List(fields.Nested(ConsentOut), required=True)
    next_session = fields.Dict(allow_none=True)
    deadlines = fields.List(fields.Dict(), required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class TimelineEventOut(OutSchema):
    """One entry of a case's history."""

    at = fields.AwareDateTime(required=True)
    type = fields.String(required=True)
    actor_role = fields.String(required=True)
    summary = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class WithdrawIn(InSchema):
    """Why the case is withdrawn."""

    reason = fields.String(required=True, validate=validate.Length(min=2, max=2000))
