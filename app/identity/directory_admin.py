"""Administration of courts, mediation organisations and their staff memberships."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.identity.models import User
from app.identity.organization_models import (
    COURT_ROLES,
    ORG_ROLES,
    ORG_TYPES,
    Court,
    CourtMembership,
    MediationOrganization,
    OrgMembership,
)
from app.security import permissions
from app.security.permissions import Principal

HIDDEN = NotFound("Not found.", reason="resource.not_found")


def _require_admin(actor: Principal | None) -> None:
    """actor None means the operator at the CLI; otherwise only platform admins pass."""
    if actor is not None and not permissions.is_platform_admin(actor):
        raise HIDDEN


def create_court(*, code: str, name: str, region: str, actor: Principal | None) -> Court:
    """Register a court (its code must be unique: it appears in every case number)."""
    _require_admin(actor)
    court = Court(code=code.strip(), name=name.strip(), region=region.strip())
    db.session.add(court)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"A court with code {code} exists.", reason="court.code_taken") from None
    return court


def list_courts() -> list[Court]:
    """Every active court (public directory data)."""
    return list(db.session.scalars(select(Court).where(Court.active.is_(True)).order_by(Court.code)))


def create_org(
    *, name: str, org_type: str, region: str, regions: list[str], categories: list[str], actor: Principal | None
) -> MediationOrganization:
    """Register a mediation organisation (platform admins)."""
    _require_admin(actor)
    if org_type not in ORG_TYPES:
        raise ValidationFailed(errors={"org_type": [f"Must be one of {', '.join(ORG_TYPES)}."]})
    org = MediationOrganization(
        name=name.strip(), org_type=org_type, region=region, regions=regions or [region], categories=categories
    )
    db.session.add(org)
    db.session.commit()
    return org


def _user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", reason="user.not_found")
    return user


def set_court_membership(
    *, court_id: uuid.UUID, user_id: uuid.UUID, role: str, active: bool, actor: Principal | None
) -> CourtMembership:
    """Add or (with active=False) remove a clerk or judge; removal takes effect on the next request."""
    _require_admin(actor)
    _check_role(role, COURT_ROLES)
    if db.session.get(Court, court_id) is None:
        raise NotFound("No such court.", reason="court.not_found")
    return _save_membership(
        CourtMembership, {"court_id": court_id}, user_id=user_id, role=role, active=active, actor=actor
    )


def set_org_membership(
    *, org_id: uuid.UUID, user_id: uuid.UUID, role: str, active: bool, actor: Principal | None
) -> OrgMembership:
    """Add or remove a mediator or org admin: platform admins anywhere, org admins in their own org."""
    if actor is not None and not permissions.may_manage_org(actor, org_id):
        raise HIDDEN
    _check_role(role, ORG_ROLES)
    if db.session.get(MediationOrganization, org_id) is None:
        raise NotFound("No such organisation.", reason="org.not_found")
    return _save_membership(OrgMembership, {"org_id": org_id}, user_id=user_id, role=role, active=active, actor=actor)


def _check_role(role: str, allowed: tuple[str, ...]) -> None:
    if role not in allowed:
        raise ValidationFailed(errors={"role": [f"Must be one of {', '.join(allowed)}."]})


def _save_membership(model, where: dict, *, user_id, role: str, active: bool, actor):
    """Create or update one membership row, audited, in one commit."""
    _user(user_id)
    membership = db.session.scalar(select(model).filter_by(**where, user_id=user_id, role=role))
    membership = membership or model(**where, user_id=user_id, role=role)
    membership.active = active
    db.session.add(membership)
    scope = ":".join(f"{key.removesuffix('_id')}:{value}" for key, value in where.items())
    audit.record(
        "admin.membership_changed",
        actor=actor,
        object_type="user",
        object_id=user_id,
        details={"role": role, "active": active, "scope": scope},
    )
    db.session.commit()
    return membership
