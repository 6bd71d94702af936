"""The holiday calendar: enter next year's announcement, look at a year, correct a day (platform admins)."""

from __future__ import annotations

import datetime as dt

from flask_smorest import Blueprint

from app.errors import ValidationFailed
from app.legal import calendar_admin
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.calendar_admin import (
    CalendarDayIn,
    CalendarDayOut,
    CalendarImportOut,
    CalendarYearIn,
    CalendarYearOut,
)

blp = Blueprint("admin_calendar", __name__, description="The holiday calendar (platform admins).")


@blp.route("/calendar/<int:year>", methods=["GET"])
@login_required()
@blp.response(200, CalendarYearOut)
def show_year(year: int) -> dict:
    """Every holiday and adjusted working day of a year, with its source; covered=false if not entered yet."""
    return calendar_admin.year_view(year, actor=current_principal())


@blp.route("/calendar/<int:year>", methods=["POST"])
@login_required()
@blp.arguments(CalendarYearIn)
@blp.response(201, CalendarImportOut)
def import_year(payload: dict, year: int) -> dict:
    """Enter a year's whole State Council announcement at once (replace=true to enter it again)."""
    principal = current_principal()
    calendar_admin.check_admin(principal)
    if payload["year"] is not None and payload["year"] != year:
        raise ValidationFailed(errors={"year": [f"The body says {payload['year']}, the path {year}."]})
    done = calendar_admin.import_year(
        year, payload["holidays"], payload["workdays"], actor=principal, replace=payload["replace"]
    )
    return done.as_dict()


@blp.route("/calendar/days/<string:day>", methods=["PUT"])
@login_required()
@blp.arguments(CalendarDayIn)
@blp.response(200, CalendarDayOut)
def set_day(payload: dict, day: str) -> dict:
    """Correct one day of a year the calendar already covers."""
    principal = current_principal()
    calendar_admin.check_admin(principal)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed(errors={"day": ["Not a date (YYYY-MM-DD)."]}) from None
    return calendar_admin.set_day(date, payload["is_working_day"], payload["holiday_name"], actor=principal)
