"""Statistics: the period asked for and the published figures."""

from __future__ import annotations

from marshmallow import fields

from miniprogram_api.schemas.base import InSchema, OutSchema


class StatsArgs(InSchema):
    """A period in Asia/Shanghai dates (default: the last 30 days)."""

    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")


class CourtStatsArgs(StatsArgs):
    """A court's figures."""

    court_id = fields.UUID(required=True)


class PeriodOut(OutSchema):
    """The period covered."""

    date_from = fields.String(data_key="from", attribute="from")
    date_to = fields.String(data_key="to", attribute="to")
    days = fields.Integer()


class StatsOut(OutSchema):
    """The figures the Supreme People's Court publishes, computed from the data."""

    period = fields.Nested(PeriodOut, required=True)
    disputes_total = fields.Integer(required=True)
    mediations_concluded = fields.Integer(required=True)
    mediation_success_rate = fields.Float(allow_none=True, metadata={"description": "settled / (settled + failed)"})
    mediated_per_minute_weekdays = fields.Float(allow_none=True)
    cases_per_day = fields.Float(required=True)
    online_filings_total = fields.Integer(required=True)
    off_hours_share = fields.Float(allow_none=True)
    courts_connected = fields.Integer(required=True)
    organisations = fields.Integer(required=True)
    mediators = fields.Integer(required=True)
    lawyers = fields.Integer(required=True)
    hotline_calls = fields.Integer(allow_none=True)
    notes = fields.List(fields.String(), required=True)
