"""The mediation directory: organisations and mediators (public data only), and their administration."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, bindparam, func, or_, select

from app.cases import Case
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.identity import Court, MediationOrganization, MediationOrgCourt, OrgMembership, User
from app.mediation.models import ALL_CATEGORIES, MediatorAssignment, MediatorProfile, MediatorSpecialty, OrgFacet
from app.platform import settings
from app.platform.pagination import Page, newest_first
from app.security import permissions
from app.security.permissions import Principal

LOAD_STATES = ("mediator_accepted", "in_mediation")
OFFER_STATES = ("submitted", "assigned")  # an offer on a withdrawn case is no load


def org_not_found() -> NotFound:
    """Unknown, inactive and not-yours organisations answer alike."""
    return NotFound("No such organisation.", reason="org.not_found")


def list_orgs(
    *, actor: Principal, region: str | None, category: str | None, cursor: str | None, limit: int | None
) -> Page:
    """Active organisations serving a region and/or a category (newest first), through the facet index."""
    query = select(MediationOrganization).where(MediationOrganization.active.is_(True))
    if region:
        query = query.where(MediationOrganization.id.in_(_facet("region", [region.strip()])))
    if category:
        query = query.where(MediationOrganization.id.in_(_facet("category", [category.strip(), ALL_CATEGORIES])))
    page = newest_first(
        query,
        at_column=MediationOrganization.created_at,
        id_column=MediationOrganization.id,
        cursor=cursor,
        limit=limit,
    )
    courts = linked_courts([org.id for org in page.items])
    items = [org_view(org, courts.get(org.id, [])) for org in page.items]
    return Page(items=items, next_cursor=page.next_cursor)


def _facet(facet: str, values: list[str]) -> Select[uuid.UUID]:
    return select(OrgFacet.org_id).where(OrgFacet.facet == facet, OrgFacet.value.in_(values))


def org_view(org: MediationOrganization, courts: list[Court]) -> dict:
    """An organisation's public directory entry."""
    return {
        "id": org.id,
        "name": org.name,
        "org_type": org.org_type,
        "region": org.region,
        "regions": org.regions or [org.region],
        "categories": org.categories or [],
        "linked_courts": [{"id": c.id, "name": c.name, "code": c.code} for c in courts],
    }


def linked_courts(org_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Court]]:
    """The courts each organisation is linked to, in one query."""
    ids = list(org_ids)
    found: dict[uuid.UUID, list[Court]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        select(MediationOrgCourt.org_id, Court)
        .join(Court, Court.id == MediationOrgCourt.court_id)
        .where(MediationOrgCourt.org_id.in_(ids))
        .order_by(Court.code)
    )
    for org_id, court in rows:
        found.setdefault(org_id, []).append(court)
    return found


def active_org(org_id: uuid.UUID) -> MediationOrganization:
    """The organisation if it exists and is active; otherwise 404."""
    org = db.session.get(MediationOrganization, org_id)
    if org is None or not org.active:
        raise org_not_found()
    return org


def listed_mediators() -> Select[MediatorProfile]:
    """Profiles whose owner is an active mediator of the profile's organisation and an active user."""
    return _LISTED


_LISTED = (
    select(MediatorProfile)
    .join(
        OrgMembership,
        and_(
            OrgMembership.org_id == MediatorProfile.org_id,
            OrgMembership.user_id == MediatorProfile.user_id,
            OrgMembership.role == "mediator",
            OrgMembership.active.is_(True),
        ),
    )
    .join(User, and_(User.id == MediatorProfile.user_id, User.status == "active"))
)


def list_mediators(
    *,
    org_id: uuid.UUID,
    actor: Principal,
    category: str | None,
    region: str | None,
    cursor: str | None,
    limit: int | None,
) -> Page:
    """An organisation's listed mediators with their public profile and current load."""
    active_org(org_id)
    query = listed_mediators().where(MediatorProfile.org_id == org_id)
    if category:
        specialists = select(MediatorSpecialty.profile_id).where(MediatorSpecialty.category == category.strip())
        query = query.where(MediatorProfile.id.in_(specialists))
    if region:
        query = query.where(MediatorProfile.region == region.strip())
    page = newest_first(
        query, at_column=MediatorProfile.created_at, id_column=MediatorProfile.id, cursor=cursor, limit=limit
    )
    return Page(items=mediator_views(page.items), next_cursor=page.next_cursor)


def mediator_views(profiles: list[MediatorProfile]) -> list[dict]:
    """Public views of profiles, with each mediator's active load (one query for all)."""
    loads = active_loads(profile.user_id for profile in profiles)
    return [mediator_view(profile, loads.get(profile.user_id, 0)) for profile in profiles]


def mediator_view(profile: MediatorProfile, load: int) -> dict:
    """A mediator's public directory entry (no phone, no ID number, no account id)."""
    return {
        "id": profile.id,
        "org_id": profile.org_id,
        "display_name": profile.display_name,
        "title": profile.title,
        "bio": profile.bio,
        "specialties": profile.specialties or [],
        "region": profile.region,
        "accepting": profile.accepting,
        "active_load": load,
        "max_load": profile.max_load,
    }


def _counted() -> ColumnElement[bool]:
    """An assignment that is load: an offer not yet answered on an open case, or accepted on a running one."""
    return _COUNTED


_COUNTED = or_(
    and_(MediatorAssignment.status == "pending", Case.status.in_(OFFER_STATES)),
    and_(MediatorAssignment.status == "accepted", Case.status.in_(LOAD_STATES)),
)


def active_load_of(user_id: Any) -> ScalarSelect[int]:
    """The active load of `user_id` (a value or a correlated column) as a scalar subquery, to read with its row
    (`PROFILE_LOAD`: the one of a profile's mediator, built once)."""
    return (
        select(func.count())
        .select_from(MediatorAssignment)
        .join(Case, Case.id == MediatorAssignment.case_id)
        .where(MediatorAssignment.mediator_user_id == user_id, _COUNTED)
        .scalar_subquery()
    )


PROFILE_LOAD = active_load_of(MediatorProfile.user_id)


def active_loads(user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Cases each mediator carries: accepted and still running, plus offers not yet answered."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {row[0]: row[1] for row in db.session.execute(_LOADS, {"user_ids": ids})}


_LOADS = (
    select(MediatorAssignment.mediator_user_id, func.count())
    .join(Case, Case.id == MediatorAssignment.case_id)
    .where(
        MediatorAssignment.mediator_user_id.in_(bindparam("user_ids", expanding=True)),
        MediatorAssignment.status.in_(("pending", "accepted")),
    )
    .where(_COUNTED)
    .group_by(MediatorAssignment.mediator_user_id)
)


def admin_list_mediators(*, org_id: uuid.UUID, actor: Principal, cursor: str | None, limit: int | None) -> Page:
    """Every profile of the organisation, listed or not (its admins and platform admins)."""
    if not permissions.may_manage_org(actor, org_id):
        raise org_not_found()
    active_org(org_id)
    query = select(MediatorProfile).where(MediatorProfile.org_id == org_id)
    page = newest_first(
        query, at_column=MediatorProfile.created_at, id_column=MediatorProfile.id, cursor=cursor, limit=limit
    )
    listed = set(
        db.session.scalars(
            listed_mediators()
            .with_only_columns(MediatorProfile.id)
            .where(MediatorProfile.id.in_([p.id for p in page.items]))
        )
    )
    items = [
        {**view, "user_id": p.user_id, "listed": p.id in listed}
        for p, view in zip(page.items, mediator_views(page.items), strict=True)
    ]
    return Page(items=items, next_cursor=page.next_cursor)


def put_mediator(*, org_id: uuid.UUID, user_id: uuid.UUID, actor: Principal, data: dict) -> dict:
    """Create or update the profile of one of the organisation's mediators."""
    if not permissions.may_manage_org(actor, org_id):
        raise org_not_found()
    active_org(org_id)
    is_mediator = db.session.scalar(
        select(OrgMembership.id).filter_by(org_id=org_id, user_id=user_id, role="mediator", active=True)
    )
    if is_mediator is None:
        raise ValidationFailed(errors={"user_id": ["Make the user a mediator of this organisation first."]})
    _check_categories(data.get("specialties") or [], field="specialties")
    profile = db.session.scalar(select(MediatorProfile).filter_by(org_id=org_id, user_id=user_id))
    if profile is None:
        profile = MediatorProfile(
            org_id=org_id, user_id=user_id, max_load=settings.mediation().mediator_default_max_load
        )
        db.session.add(profile)
    for name, value in data.items():
        setattr(profile, name, sorted(set(value)) if name == "specialties" else value)
    db.session.commit()
    return {**mediator_views([profile])[0], "user_id": profile.user_id, "listed": True}


def _check_categories(values: list[str], *, field: str) -> None:
    unknown = sorted(set(values) - set(settings.cases().categories))
    if unknown:
        raise ValidationFailed(errors={field: [f"Not a category this platform handles: {', '.join(unknown)}."]})


def update_org_directory(
    *, org_id: uuid.UUID, actor: Principal, regions: list[str] | None, categories: list[str] | None
) -> dict:
    """Change the regions and categories an organisation serves (its admins, platform admins)."""
    if not permissions.may_manage_org(actor, org_id):
        raise org_not_found()
    org = active_org(org_id)
    if regions is not None:
        org.regions = sorted({r.strip() for r in regions if r.strip()} | {org.region})
    if categories is not None:
        _check_categories(categories, field="categories")
        org.categories = sorted(set(categories))
    db.session.commit()
    return org_view(org, linked_courts([org.id]).get(org.id, []))


def set_linked_courts(*, org_id: uuid.UUID, actor: Principal, court_ids: list[uuid.UUID]) -> dict:
    """Link an organisation to courts (platform admins: it decides which court-filed disputes it receives)."""
    if not permissions.is_platform_admin(actor):
        raise org_not_found()
    org = active_org(org_id)
    wanted = set(court_ids)
    known = set(db.session.scalars(select(Court.id).where(Court.id.in_(wanted), Court.active.is_(True))))
    if wanted - known:
        raise ValidationFailed(errors={"court_ids": ["No such court: " + ", ".join(sorted(map(str, wanted - known)))]})
    current = set(db.session.scalars(select(MediationOrgCourt.court_id).where(MediationOrgCourt.org_id == org.id)))
    for court_id in current - wanted:
        db.session.delete(db.session.get(MediationOrgCourt, (org.id, court_id)))
    for court_id in wanted - current:
        db.session.add(MediationOrgCourt(org_id=org.id, court_id=court_id))
    db.session.commit()
    return org_view(org, linked_courts([org.id]).get(org.id, []))
