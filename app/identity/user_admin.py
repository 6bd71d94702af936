"""Administration of people: platform roles, disabling accounts, verifying lawyers."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from app.audit import log as audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity.models import PLATFORM_ROLES, LawyerProfile, User, UserRole
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

HIDDEN = NotFound("Not found.", reason="resource.not_found")


def _require_admin(actor: Principal | None) -> None:
    if actor is not None and not permissions.is_platform_admin(actor):
        raise HIDDEN


def _user(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", reason="user.not_found")
    return user


def set_platform_role(*, user_id: uuid.UUID, role: str, granted: bool, actor: Principal | None) -> User:
    """Grant or revoke platform_admin / hotline_operator; revocation is effective on the next request."""
    _require_admin(actor)
    if role not in PLATFORM_ROLES:
        raise ValidationFailed(errors={"role": [f"Must be one of {', '.join(PLATFORM_ROLES)}."]})
    user = _user(user_id)
    if granted:
        if db.session.scalar(select(UserRole).filter_by(user_id=user_id, role=role)) is None:
            db.session.add(UserRole(user_id=user_id, role=role, granted_by=actor.user_id if actor else None))
    else:
        if actor is not None and actor.user_id == user_id and role == "platform_admin":
            raise Conflict("Admins cannot remove their own admin role.", reason="user.self_demotion")
        db.session.execute(delete(UserRole).where(UserRole.user_id == user_id, UserRole.role == role))
    audit.record(
        "admin.role_granted" if granted else "admin.role_revoked",
        actor=actor,
        object_type="user",
        object_id=user_id,
        details={"role": role},
    )
    db.session.commit()
    return user


def set_user_status(*, user_id: uuid.UUID, active: bool, actor: Principal | None) -> User:
    """Disable (ending every session at once) or re-enable an account."""
    _require_admin(actor)
    user = _user(user_id)
    if actor is not None and actor.user_id == user_id and not active:
        raise Conflict("Admins cannot disable themselves.", reason="user.self_disable")
    user.status = "active" if active else "disabled"
    if not active:
        sessions.end_all_sessions(user_id=user_id, reason="account_disabled")
    audit.record(
        "admin.user_enabled" if active else "admin.user_disabled", actor=actor, object_type="user", object_id=user_id
    )
    db.session.commit()
    return user


def list_lawyer_profiles(*, status: str, actor: Principal) -> list[LawyerProfile]:
    """Lawyer profiles in a state (pending ones await review)."""
    _require_admin(actor)
    query = select(LawyerProfile).where(LawyerProfile.status == status).order_by(LawyerProfile.created_at).limit(200)
    return list(db.session.scalars(query))


def review_lawyer(*, profile_id: uuid.UUID, approve: bool, note: str | None, actor: Principal | None) -> LawyerProfile:
    """Verify or reject a lawyer's licence."""
    _require_admin(actor)
    profile = db.session.get(LawyerProfile, profile_id)
    if profile is None:
        raise NotFound("No such lawyer profile.", reason="lawyer.not_found")
    profile.status = "verified" if approve else "rejected"
    profile.reviewed_by = actor.user_id if actor else None
    profile.reviewed_at = clock.now()
    profile.review_note = note
    audit.record(
        "admin.lawyer_reviewed",
        actor=actor,
        object_type="lawyer_profile",
        object_id=profile_id,
        details={"approved": approve},
    )
    db.session.commit()
    return profile
