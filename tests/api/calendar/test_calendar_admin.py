"""Entering a holiday year: a whole announcement at once, validated, audited; single days only in covered years."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.legal import calendar_admin
from app.legal.calendar import CalendarNotCovered, day_kind, load_overrides
from app.legal.deadlines import add_working_days, compute_deadline
from app.security.permissions import Principal

D = dt.date
SH = dt.timezone(dt.timedelta(hours=8))
# A synthetic 2031 (NOT the real announcement): Wed-Fri 1-3 January off, Saturday 4 January worked.
HOLIDAYS = [
    {"day": "2031-01-01", "name": "元旦"},
    {"day": "2031-01-02", "name": "元旦"},
    {"day": "2031-01-03", "name": "元旦"},
]
WORKDAYS = [{"day": "2031-01-04", "name": "元旦调休"}]


def enter(year=2031, holidays=HOLIDAYS, workdays=WORKDAYS, **kwargs):
    return calendar_admin.import_year(year, holidays, workdays, actor=kwargs.pop("actor", None), **kwargs)


def answer_period():
    return compute_deadline(
        trigger_at=dt.datetime(2030, 12, 17, 10, tzinfo=SH),
        period_days=15,
        trigger_label="service",
        period_label="answer period",
        overrides=load_overrides(),
    )


def errors_of(exc_info) -> dict:
    return exc_info.value.errors


def test_an_entered_year_makes_its_deadlines_computable(app):
    before = answer_period()
    assert not before.calendar_covered and before.uncovered_date == D(2031, 1, 1)
    with pytest.raises(CalendarNotCovered):
        before.require_covered()

    done = enter()

    assert (done.holidays, done.workdays, done.replaced) == (3, 1, 0)
    after = answer_period()
    assert after.calendar_covered
    assert [s.day.date for s in after.steps] == [D(2031, 1, 1), D(2031, 1, 2), D(2031, 1, 3)]
    assert after.last_day == D(2031, 1, 4) and after.last_day_info.kind == "adjusted_workday"
    counted = add_working_days(
        trigger_at=dt.datetime(2030, 12, 31, 16, tzinfo=SH),
        days=2,
        trigger_label="service",
        period_label="two working days",
        overrides=load_overrides(),
    )
    # 1-3 January off, Saturday 4 counted (调休), Sunday 5 off, Monday 6 the second working day
    assert counted.last_day == D(2031, 1, 6)
    assert [s.day.date for s in counted.steps] == [D(2031, 1, 1), D(2031, 1, 2), D(2031, 1, 3), D(2031, 1, 5)]
    assert day_kind(D(2031, 7, 1), load_overrides()).is_working_day  # the rest of the year: weekday rule


def test_the_import_is_audited_with_its_counts(app):
    enter()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.year_imported"))
    assert event.object_id == "2031"
    assert event.details == {"year": 2031, "holidays": 3, "workdays": 1, "replaced": 0, "replace": False}


@pytest.mark.parametrize(
    ("holidays", "workdays", "field", "day", "words"),
    [
        ([{"day": "2032-01-01", "name": "元旦"}], [], "holidays", "2032-01-01", "Not in 2031"),
        ([{"day": "2031-13-01", "name": "元旦"}], [], "holidays", "2031-13-01", "Not a date"),
        ([{"day": "2031-01-01", "name": " "}], [], "holidays", "2031-01-01", "needs a name"),
        ([{"day": "2031-01-01"}], [], "holidays", "2031-01-01", "needs a name"),
        ([*HOLIDAYS, {"day": "2031-01-01", "name": "元旦"}], [], "holidays", "2031-01-01", "twice"),
        (HOLIDAYS, [{"day": "2031-01-06", "name": "调休"}], "workdays", "2031-01-06", "Saturday or Sunday"),
        ([*HOLIDAYS, {"day": "2031-01-04", "name": "元旦"}], WORKDAYS, "workdays", "2031-01-04", "Also listed"),
        ([], WORKDAYS, "holidays", "", "at least one holiday"),
    ],
)
def test_bad_days_are_named_and_nothing_is_written(app, holidays, workdays, field, day, words):
    with pytest.raises(ValidationFailed) as caught:
        enter(holidays=holidays, workdays=workdays)
    assert any(words in message for message in errors_of(caught)[field][day])
    assert load_overrides() == {}


def test_a_statutory_day_on_a_weekend_may_be_listed(app):
    done = enter(holidays=[*HOLIDAYS, {"day": "2031-01-05", "name": "元旦"}])
    assert done.holidays == 4
    assert day_kind(D(2031, 1, 5), load_overrides()).holiday_name == "元旦"


def test_a_year_is_entered_once_unless_replaced(app):
    enter()
    with pytest.raises(Conflict) as caught:
        enter(holidays=[{"day": "2031-05-01", "name": "劳动节"}])
    assert caught.value.reason == "calendar.year_already_entered"
    done = enter(holidays=[{"day": "2031-05-01", "name": "劳动节"}], workdays=[], replace=True)
    assert (done.holidays, done.workdays, done.replaced) == (1, 0, 4)
    overrides = load_overrides()
    assert sorted(overrides) == [D(2031, 5, 1)]
    assert day_kind(D(2031, 1, 1), overrides).is_working_day  # the old entry is gone, not merged


def test_a_package_year_is_refused_unless_replaced_and_then_the_entry_wins(app):
    ordinary_monday = {"day": "2026-06-15", "name": "测试停工"}
    with pytest.raises(Conflict) as caught:
        enter(2026, [ordinary_monday], [])
    assert caught.value.reason == "calendar.year_covered_by_package"
    enter(2026, [ordinary_monday], [], replace=True)
    info = day_kind(D(2026, 6, 15), load_overrides())
    assert (info.kind, info.source) == ("statutory_holiday", "override")
    assert day_kind(D(2026, 10, 1), load_overrides()).source == "chinesecalendar"  # the rest stays the package's


def test_only_platform_admins_may_enter_a_year(app):
    citizen = Principal(kind="user", subject="u", roles=frozenset())
    with pytest.raises(NotFound):
        enter(actor=citizen)
    with pytest.raises(NotFound):
        calendar_admin.set_day(D(2026, 6, 15), False, "x", actor=citizen)
    assert load_overrides() == {}


def test_set_day_refuses_a_year_not_covered(app):
    with pytest.raises(Conflict) as caught:
        calendar_admin.set_day(D(2032, 6, 1), False, "端午节", actor=None)
    assert caught.value.reason == "calendar.year_not_covered"
    assert caught.value.errors == {"2032-06-01": ["2032 is not covered."]}
    assert load_overrides() == {}


def test_set_day_corrects_a_covered_year_and_is_audited(app):
    enter()
    info = calendar_admin.set_day(D(2031, 6, 2), False, "端午节", actor=None)
    assert (info["kind"], info["holiday_name"]) == ("statutory_holiday", "端午节")
    again = calendar_admin.set_day(D(2026, 6, 15), True, None, actor=None)  # a package year
    assert again["kind"] == "workday" and again["source"] == "override"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.day_set")).all()
    assert [e.object_id for e in events] == ["2031-06-02", "2026-06-15"]
    assert events[0].details["before"] == "workday" and events[0].details["after"] == "statutory_holiday"
    with pytest.raises(ValidationFailed):
        calendar_admin.set_day(D(2031, 6, 3), False, "  ", actor=None)


def test_year_view_lists_the_special_days_and_their_source(app):
    assert calendar_admin.year_view(2031) == {
        "year": 2031,
        "covered": False,
        "package_covers": False,
        "entered_days": 0,
        "days": [],
    }
    enter()
    view = calendar_admin.year_view(2031)
    assert [d["date"] for d in view["days"]] == ["2031-01-01", "2031-01-02", "2031-01-03", "2031-01-04"]
    assert {d["source"] for d in view["days"]} == {"override"} and view["entered_days"] == 4
    package = calendar_admin.year_view(2026)
    national_day = next(d for d in package["days"] if d["date"] == "2026-10-01")
    assert national_day["source"] == "chinesecalendar" and national_day["holiday_name"] == "国庆节"
    with pytest.raises(ValidationFailed):
        calendar_admin.year_view(1999)
