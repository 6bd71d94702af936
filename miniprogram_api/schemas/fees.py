"""Litigation fees: the schedule and the calculator (public), a case's notices, ledger and applications (parties
and court), the court's queues and decisions. Amounts are whole fen (integers, the ledger's unit); `*_yuan`
fields repeat them as the API's money string."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, Money, OutSchema
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

SCHEDULES = [
    "property",
    "divorce",
    "personality_rights",
    "other_non_property",
    "ip_without_amount",
    "labour",
    "administrative_special",
    "administrative_other",
    "jurisdiction_objection",
    "enforcement",
    "preservation",
    "payment_order",
    "judicial_confirmation",
]
HALVING = ["mediated_settlement", "withdrawal", "summary_procedure"]
NOTICE_STATUSES = ["unpaid", "paid", "deferred", "waived", "treated_as_withdrawn"]
FEN = fields.Integer


class FeeScheduleOut(OutSchema):
    """The fee schedule in force, as the data file holds it (brackets and fixed amounts, articles, version)."""

    version = fields.String(required=True)
    title = fields.String(required=True)
    effective_from = fields.String(required=True)
    rounding = fields.String(required=True)
    schedules = fields.Dict(required=True)
    halving = fields.Dict(required=True)
    appeal = fields.Dict(required=True)
    categories = fields.Dict(required=True)
    notice = fields.Dict(required=True)
    relief = fields.Dict(required=True)


class FeeCalculateArgs(InSchema):
    """What to compute: the schedule, the amount in yuan (if any), a halving rule, appeal."""

    schedule = fields.String(required=True, validate=validate.OneOf(SCHEDULES))
    amount = Money(validate=validate.Range(min=0))
    halved = fields.String(validate=validate.OneOf(HALVING))
    appeal = fields.Boolean(load_default=False)


class FeeBasisOut(OutSchema):
    """How a fee was reached: schedule, articles, the brackets used and the arithmetic as lines."""

    measures = fields.String(required=True)
    data_version = fields.String(required=True)
    schedule = fields.String(required=True)
    label = fields.String(required=True)
    article = fields.String(required=True)
    articles = fields.List(fields.String(), required=True)
    amount_yuan = fields.String(allow_none=True, required=True)
    amount_fen = fields.Integer(allow_none=True, required=True)
    brackets = fields.List(fields.Dict(), required=True)
    halved = fields.String(allow_none=True, required=True)
    appeal = fields.Boolean(required=True)
    full_fee_fen = fields.Integer(required=True)
    fee_fen = fields.Integer(required=True)
    lines = fields.List(fields.String(), required=True)
    rounding = fields.String(required=True)


class FeeOut(OutSchema):
    """A computed fee."""

    schedule = fields.String(required=True)
    amount_fen = FEN(required=True)
    amount_yuan = Money(required=True)
    basis = fields.Nested(FeeBasisOut, required=True)


class FeeNoticeOut(OutSchema):
    """A notice to pay: amount, basis, deadline (with the deadline engine's explanation) and status."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_number = fields.String(allow_none=True, required=True)
    case_title = fields.String(allow_none=True, required=True)
    case_status = fields.String(allow_none=True, required=True)
    party_id = fields.UUID(required=True)
    court_id = fields.UUID(allow_none=True, required=True)
    purpose = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(NOTICE_STATUSES))
    amount_fen = FEN(required=True, metadata={"description": "Still to pay under this notice, in fen"})
    amount_yuan = Money(required=True)
    original_amount_fen = FEN(required=True)
    basis = fields.Dict(
        required=True,
        metadata={"description": "How the amount was reached (as FeeBasisOut: articles, brackets, lines)"},
    )
    issued_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(allow_none=True, required=True, metadata={"description": "24:00 Asia/Shanghai"})
    last_day = fields.Date(allow_none=True, required=True)
    deadline = fields.Dict(required=True, metadata={"description": "The deadline engine's explanation"})
    overdue = fields.Boolean(required=True)
    relief_pending = fields.Boolean(required=True)
    reminders_sent = fields.List(fields.String(), required=True)


class FeeLedgerEntryOut(OutSchema):
    """One append-only ledger entry."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    kind = fields.String(required=True)
    amount_fen = FEN(required=True)
    reference = fields.String(allow_none=True, required=True)
    note = fields.String(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)


class FeeBalanceOut(OutSchema):
    """Sums in fen derived from the ledger; outstanding = owed - (paid - refunded)."""

    due = FEN(required=True)
    paid = FEN(required=True)
    refunded = FEN(required=True)
    waived = FEN(required=True)
    reduced = FEN(required=True)
    deferred = FEN(required=True)
    owed = FEN(required=True)
    outstanding = FEN(required=True)


class FeeReliefOut(OutSchema):
    """An application for deferral, reduction or waiver and the court's decision."""

    id = fields.UUID(required=True)
    notice_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    party_id = fields.UUID(required=True)
    kind = fields.String(required=True)
    reasons = fields.String(required=True)
    evidence_ids = fields.List(fields.String(), required=True)
    requested_amount_fen = FEN(allow_none=True, required=True)
    requested_until = fields.Date(allow_none=True, required=True)
    status = fields.String(required=True)
    decided_at = fields.AwareDateTime(allow_none=True, required=True)
    decision_reason = fields.String(allow_none=True, required=True)
    granted_amount_fen = FEN(allow_none=True, required=True)
    granted_until = fields.Date(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)


class EnforcementFeeOut(FeeOut):
    """The enforcement application fee (Art. 14(1)): shown with its basis, never prepaid (Art. 20), borne by the
    person subject to enforcement (Art. 38)."""

    application_id = fields.UUID(required=True)
    prepaid = fields.Boolean(required=True)
    borne_by = fields.String(required=True, validate=validate.OneOf(["person_subject_to_enforcement"]))
    note = fields.String(required=True)


class CaseFeesOut(OutSchema):
    """A case's fees as the caller may see them."""

    case_id = fields.UUID(required=True)
    notices = fields.List(fields.Nested(FeeNoticeOut), required=True)
    entries = fields.List(fields.Nested(FeeLedgerEntryOut), required=True)
    balance = fields.Nested(FeeBalanceOut, required=True)
    reliefs = fields.List(fields.Nested(FeeReliefOut), required=True)
    enforcement_fee = fields.Nested(EnforcementFeeOut, allow_none=True, required=True)


class FeeReliefIn(InSchema):
    """Apply for deferral (until a date), reduction (by an amount in fen) or waiver, with reasons and evidence."""

    kind = fields.String(required=True, validate=validate.OneOf(["deferral", "reduction", "waiver"]))
    reasons = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    evidence_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    requested_amount_fen = FEN(validate=validate.Range(min=1, max=10**12))
    requested_until = fields.Date()


class FeeReliefDecisionIn(InSchema):
    """The court's decision: grant, partial (with the amount or date granted) or refuse (with reasons)."""

    decision = fields.String(required=True, validate=validate.OneOf(["grant", "partial", "refuse"]))
    reason = fields.String(validate=validate.Length(max=4000))
    amount_fen = FEN(validate=validate.Range(min=1, max=10**12))
    until = fields.Date()


class FeeNoticeArgs(CursorArgs):
    """Filter the court's notices: status (default unpaid and deferred), overdue, court."""

    status = fields.String(validate=validate.OneOf(NOTICE_STATUSES))
    overdue = fields.Boolean()
    court_id = fields.UUID()


class FeeReliefArgs(CursorArgs):
    """Filter the court's applications."""

    status = fields.String(
        load_default="pending", validate=validate.OneOf(["pending", "granted", "partial", "refused"])
    )
    court_id = fields.UUID()


class FeeOverdueDecisionIn(InSchema):
    """At the deadline: treat the case as withdrawn (按撤诉处理, it is closed) or grant more days."""

    decision = fields.String(required=True, validate=validate.OneOf(["treated_as_withdrawn", "extend"]))
    days = fields.Integer(validate=validate.Range(min=1, max=30))
    reason = fields.String(validate=validate.Length(max=4000))


FeeNoticePageSchema = cursor_page("FeeNoticePage", FeeNoticeOut, "A page of fee notices.")
FeeReliefPageSchema = cursor_page("FeeReliefPage", FeeReliefOut, "A page of fee relief applications.")


class FeeCourtSettingsOut(OutSchema):
    """A court's fee settings."""

    court_id = fields.UUID(required=True)
    prepay_at_filing = fields.Boolean(
        required=True, metadata={"description": "The notice to pay is issued at filing, not at acceptance"}
    )
    updated_at = fields.AwareDateTime(allow_none=True, required=True)


class FeeCourtSettingsIn(InSchema):
    """Change a court's fee settings."""

    prepay_at_filing = fields.Boolean(required=True)


class FeeRecalculateIn(InSchema):
    """Correct a notice's fee: the schedule, the amount it is computed on (yuan), and why."""

    schedule = fields.String(required=True, validate=validate.OneOf(SCHEDULES))
    amount = Money(validate=validate.Range(min=0))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
