"""The figures the Supreme People's Court publishes, from SQL aggregates over indexed columns."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import and_, func, select

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.legal.calendar import CalendarNotCovered, load_overrides
from app.legal.working_hours import working_minutes_between
from app.models.cases import Case
from app.models.identity import LawyerProfile
from app.models.organizations import Court, MediationOrganization, OrgMembership
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

MAX_RANGE_DAYS = 3660


def _bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    today = clock.now_shanghai().date()
    date_to = date_to or today
    date_from = date_from or date_to - dt.timedelta(days=29)
    if date_from > date_to or (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            errors={"from": [f"from must not be after to, and the range at most {MAX_RANGE_DAYS} days."]}
        )
    start = dt.datetime.combine(date_from, dt.time(), clock.SHANGHAI).astimezone(dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), clock.SHANGHAI).astimezone(dt.UTC)
    return date_from, date_to, start, end


def _scope(query, court_id: uuid.UUID | None, org_id: uuid.UUID | None):
    if court_id is not None:
        query = query.where(Case.court_id == court_id)
    if org_id is not None:
        query = query.where(Case.org_id == org_id)
    return query


def _filings(start: dt.datetime, end: dt.datetime, court_id, org_id) -> dict[str, int]:
    """One indexed range scan over submitted_at for every filing figure."""
    in_period = and_(Case.submitted_at >= start, Case.submitted_at < end)
    query = select(
        func.count().label("cases"),
        func.count().filter(Case.kind == "mediation").label("disputes"),
        func.count().filter(Case.kind == "litigation").label("litigation"),
        func.count().filter(Case.filed_off_hours.is_(True)).label("off_hours"),
        func.count().filter(Case.filed_off_hours.is_not(None)).label("known_hours"),
    ).where(in_period)
    row = db.session.execute(_scope(query, court_id, org_id)).one()
    return row._asdict()


def _conclusions(start: dt.datetime, end: dt.datetime, court_id, org_id) -> dict[str, int]:
    """One indexed range scan over concluded_at for the outcome figures."""
    in_period = and_(Case.concluded_at >= start, Case.concluded_at < end, Case.kind == "mediation")
    query = select(
        func.count().filter(Case.outcome == "settled").label("settled"),
        func.count().filter(Case.outcome == "failed").label("failed"),
        func.count().filter(Case.concluded_on_working_day.is_(True)).label("on_working_days"),
    ).where(in_period)
    return db.session.execute(_scope(query, court_id, org_id)).one()._asdict()


def _directory(court_id, org_id) -> dict[str, int]:
    mediators = select(func.count(func.distinct(OrgMembership.user_id))).where(
        OrgMembership.role == "mediator", OrgMembership.active.is_(True)
    )
    if org_id is not None:
        mediators = mediators.where(OrgMembership.org_id == org_id)
    return {
        "courts_connected": db.session.scalar(select(func.count()).select_from(Court).where(Court.active.is_(True))),
        "organisations": db.session.scalar(
            select(func.count()).select_from(MediationOrganization).where(MediationOrganization.active.is_(True))
        ),
        "mediators": db.session.scalar(mediators),
        "lawyers": db.session.scalar(
            select(func.count()).select_from(LawyerProfile).where(LawyerProfile.status == "verified")
        ),
    }


def _hotline_calls(start: dt.datetime, end: dt.datetime) -> int | None:
    try:
        from app.models.hotline import HotlineCall
    except ImportError:
        return None
    return db.session.scalar(
        select(func.count())
        .select_from(HotlineCall)
        .where(HotlineCall.created_at >= start, HotlineCall.created_at < end)
    )


def compute(*, date_from: dt.date | None, date_to: dt.date | None, court_id=None, org_id=None) -> dict:
    """Every published figure over a period (dates in Asia/Shanghai, both ends included)."""
    date_from, date_to, start, end = _bounds(date_from, date_to)
    filings = _filings(start, end, court_id, org_id)
    outcomes = _conclusions(start, end, court_id, org_id)
    concluded = outcomes["settled"] + outcomes["failed"]
    days = (date_to - date_from).days + 1
    notes = []
    try:
        minutes = working_minutes_between(date_from, date_to, overrides=load_overrides())
    except CalendarNotCovered as exc:
        minutes, notes = None, [exc.message]
    return {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat(), "days": days},
        "disputes_total": filings["disputes"],
        "mediations_concluded": concluded,
        "mediation_success_rate": round(outcomes["settled"] / concluded, 4) if concluded else None,
        "mediated_per_minute_weekdays": round(outcomes["on_working_days"] / minutes, 4) if minutes else None,
        "cases_per_day": round(filings["cases"] / days, 2),
        "online_filings_total": filings["litigation"],
        "off_hours_share": round(filings["off_hours"] / filings["known_hours"], 4) if filings["known_hours"] else None,
        **_directory(court_id, org_id),
        "hotline_calls": _hotline_calls(start, end) if court_id is None and org_id is None else None,
        "notes": notes,
    }


def for_court(*, court_id: uuid.UUID, actor: Principal, date_from: dt.date | None, date_to: dt.date | None) -> dict:
    """A court's own figures (its staff and its court system only)."""
    if not permissions.is_court_staff(actor, court_id):
        raise NotFound("Not found.", reason="resource.not_found")
    return compute(date_from=date_from, date_to=date_to, court_id=court_id)


def for_org(*, org_id: uuid.UUID, actor: Principal, date_from: dt.date | None, date_to: dt.date | None) -> dict:
    """An organisation's own figures (its admins and platform admins)."""
    if not permissions.may_manage_org(actor, org_id):
        raise NotFound("Not found.", reason="resource.not_found")
    return compute(date_from=date_from, date_to=date_to, org_id=org_id)
