"""Holiday calendar administration: a year's announcement in, a year's special days out."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema


class CalendarEntryIn(InSchema):
    """One day of an announcement; the day is checked by the service, which names each bad day."""

    day = fields.String(required=True, metadata={"example": "2031-01-01"})
    name = fields.String(load_default=None, allow_none=True, metadata={"example": "元旦"})


class CalendarYearIn(InSchema):
    """A year's whole announcement (the same body as the `flask calendar import` file)."""

    year = fields.Integer(load_default=None, metadata={"description": "Optional; must equal the year in the path"})
    holidays = fields.List(fields.Nested(CalendarEntryIn), required=True)
    workdays = fields.List(fields.Nested(CalendarEntryIn), load_default=list)
    replace = fields.Boolean(load_default=False)


class CalendarDayIn(InSchema):
    """Correct one day of a covered year."""

    is_working_day = fields.Boolean(required=True)
    holiday_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class CalendarDayOut(OutSchema):
    """What the calendar says about one day."""

    date = fields.String()
    is_working_day = fields.Boolean()
    kind = fields.String()
    holiday_name = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "override or chinesecalendar (the package)"})
    description = fields.String()


class CalendarYearOut(OutSchema):
    """A year's holidays and adjusted working days, and whether the calendar covers it at all."""

    year = fields.Integer()
    covered = fields.Boolean()
    package_covers = fields.Boolean()
    entered_days = fields.Integer()
    days = fields.List(fields.Nested(CalendarDayOut))


class CalendarImportOut(OutSchema):
    """What an import wrote."""

    year = fields.Integer()
    holidays = fields.Integer()
    workdays = fields.Integer()
    replaced = fields.Integer()
