"""The figures the Supreme People's Court publishes, from SQL aggregates over indexed columns.

Rolled past days come from the daily summary (app/statistics/rollup.py); today and any day not
rolled are counted live from `cases`, so the figures are the same whether or not the roll-up has run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Select, and_, func, select

from app.cases import Case
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.identity import Court, LawyerProfile, MediationOrganization, OrgMembership
from app.legal import CalendarNotCovered, load_overrides, working_minutes_between
from app.platform import settings
from app.security import permissions
from app.security.permissions import Principal
from app.statistics import rollup as statistics_rollup
from app.utils import clock

MAX_RANGE_DAYS = 3660
_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")  # any SELECT; _scope keeps its row type


def _bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    today = clock.now_shanghai().date()
    date_to = date_to or today
    date_from = date_from or date_to - dt.timedelta(days=29)
    if date_from > date_to or (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            errors={"from": [f"from must not be after to, and the range at most {MAX_RANGE_DAYS} days."]}
        )
    return date_from, date_to, *statistics_rollup.utc_span(date_from, date_to)


def _scope(query: _Query, court_id: uuid.UUID | None, org_id: uuid.UUID | None) -> _Query:
    if court_id is not None:
        query = query.where(Case.court_id == court_id)
    if org_id is not None:
        query = query.where(Case.org_id == org_id)
    return query


def _filings(
    start: dt.datetime, end: dt.datetime, court_id: uuid.UUID | None, org_id: uuid.UUID | None
) -> dict[str, int]:
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


def _conclusions(
    start: dt.datetime, end: dt.datetime, court_id: uuid.UUID | None, org_id: uuid.UUID | None
) -> dict[str, int]:
    """One indexed range scan over concluded_at for the outcome figures."""
    in_period = and_(Case.concluded_at >= start, Case.concluded_at < end, Case.kind == "mediation")
    query = select(
        func.count().filter(Case.outcome == "settled").label("settled"),
        func.count().filter(Case.outcome == "failed").label("failed"),
        func.count().filter(Case.concluded_on_working_day.is_(True)).label("on_working_days"),
    ).where(in_period)
    return db.session.execute(_scope(query, court_id, org_id)).one()._asdict()


def _live_runs(date_from: dt.date, date_to: dt.date, rolled: set[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """The maximal runs of consecutive days in [date_from, date_to] that are not rolled."""
    runs: list[tuple[dt.date, dt.date]] = []
    day = date_from
    while day <= date_to:
        if day not in rolled:
            if runs and runs[-1][1] == day - dt.timedelta(days=1):
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        day += dt.timedelta(days=1)
    return runs


def _period_counts(
    date_from: dt.date, date_to: dt.date, court_id: uuid.UUID | None, org_id: uuid.UUID | None
) -> tuple[dict[str, int], dict[str, int]]:
    """Filing and conclusion counts: rolled days summed from the summary, the other days counted live."""
    rolled, filings, outcomes = statistics_rollup.summed(date_from, date_to, court_id, org_id)
    for first, last in _live_runs(date_from, date_to, rolled):
        start, end = statistics_rollup.utc_span(first, last)
        for totals, live in (
            (filings, _filings(start, end, court_id, org_id)),
            (outcomes, _conclusions(start, end, court_id, org_id)),
        ):
            for name in totals:
                totals[name] += live[name]
    return filings, outcomes


DIRECTORY_CACHE = "microcourt.directory_counts"


def _directory(org_id: uuid.UUID | None) -> dict[str, int]:
    """Directory counts, kept per process for DIRECTORY_COUNTS_TTL_SECONDS (0: not kept) per scope."""
    ttl = dt.timedelta(seconds=settings.statistics().directory_counts_ttl_seconds)
    if ttl <= dt.timedelta(0):
        return _directory_counts(org_id)
    cache = current_app.extensions.setdefault(DIRECTORY_CACHE, {})
    now, kept = clock.now(), cache.get(org_id)  # only the organisation scopes them (mediators)
    if kept is None or not dt.timedelta(0) <= now - kept[0] < ttl:
        kept = cache[org_id] = (now, _directory_counts(org_id))
    return dict(kept[1])


def clear_directory_cache() -> None:
    """Forget the kept directory counts (tests, or after a bulk directory change)."""
    current_app.extensions.pop(DIRECTORY_CACHE, None)


def _directory_counts(org_id: uuid.UUID | None) -> dict[str, int]:
    mediators = select(func.count(func.distinct(OrgMembership.user_id))).where(
        OrgMembership.role == "mediator", OrgMembership.active.is_(True)
    )
    if org_id is not None:
        mediators = mediators.where(OrgMembership.org_id == org_id)
    return {  # counts without GROUP BY: always one row
        "courts_connected": db.session.execute(
            select(func.count()).select_from(Court).where(Court.active.is_(True))
        ).scalar_one(),
        "organisations": db.session.execute(
            select(func.count()).select_from(MediationOrganization).where(MediationOrganization.active.is_(True))
        ).scalar_one(),
        "mediators": db.session.execute(mediators).scalar_one(),
        "lawyers": db.session.execute(
            select(func.count()).select_from(LawyerProfile).where(LawyerProfile.status == "verified")
        ).scalar_one(),
    }


def _hotline_calls(start: dt.datetime, end: dt.datetime) -> int | None:
    try:
        from app.hotline import HotlineCall
    except ImportError:
        return None
    return db.session.scalar(
        select(func.count())
        .select_from(HotlineCall)
        .where(HotlineCall.created_at >= start, HotlineCall.created_at < end)
    )


def compute(
    *,
    date_from: dt.date | None,
    date_to: dt.date | None,
    court_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Every published figure over a period (dates in Asia/Shanghai, both ends included)."""
    date_from, date_to, start, end = _bounds(date_from, date_to)
    filings, outcomes = _period_counts(date_from, date_to, court_id, org_id)
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
        **_directory(org_id),
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
