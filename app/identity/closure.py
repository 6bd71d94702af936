"""A person's own account data for a personal-data export (PIPL Art. 45), and closing the account (注销, Art. 47).

Closing de-identifies what identity holds about the person and the law does not make a court keep: the display
name, phone, real name and ID number, WeChat ids and session key, platform roles, the lawyer profile,
subscribe-message grants (notification preferences) and the login sessions (every token stops working at once).
The user row itself stays, status `closed`, so that case parties, served documents, delivery evidence and the
audit log that point at it keep their meaning. With the phone's blind index gone, a later SMS login with the same
phone makes a new, empty account.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from app.extensions import db
from app.identity.login_models import AuthSession
from app.identity.login_sessions import end_all_sessions
from app.identity.models import LawyerProfile, SubscriptionGrant, User, UserRole, WeChatSessionKey
from app.identity.organization_models import CourtMembership, OrgMembership
from app.security import pii
from app.utils import clock

ERASED = (
    "display_name",
    "phone",
    "real_name",
    "id_number",
    "wechat_openid",
    "wechat_unionid",
    "wechat_session_key",
    "platform_roles",
    "lawyer_profile",
    "notification_preferences",
    "login_sessions",
)


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def personal_record(user_id: uuid.UUID) -> dict:
    """Everything identity holds about the person: profile (own phone in full, ID number masked), verification,
    roles and memberships, lawyer profile, notification preferences and login sessions."""
    user = db_get(user_id)
    phone = pii.decrypt(user.phone_enc, field="phone") if user.phone_enc else None
    id_number = pii.decrypt(user.id_number_enc, field="id_number") if user.id_number_enc else None
    lawyer = db.session.scalar(select(LawyerProfile).where(LawyerProfile.user_id == user_id))
    sessions = db.session.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.created_at)
    )
    grants = db.session.scalars(
        select(SubscriptionGrant).where(SubscriptionGrant.user_id == user_id).order_by(SubscriptionGrant.created_at)
    )
    return {
        "profile": {
            "user_id": str(user.id),
            "display_name": user.display_name,
            "status": user.status,
            "phone": phone,
            "wechat_linked": user.wechat_openid is not None,
            "created_at": _iso(user.created_at),
        },
        "real_name_verification": {
            "status": user.verification_status,
            "real_name": user.real_name,
            "id_number_masked": pii.mask_id_number(id_number),
            "provider": user.verification_provider,
            "verified_at": _iso(user.verified_at),
        },
        "platform_roles": sorted(db.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))),
        "memberships": staff_memberships(user_id),
        "lawyer_profile": None
        if lawyer is None
        else {
            "license_number": lawyer.license_number,
            "law_firm": lawyer.law_firm,
            "practice_region": lawyer.practice_region,
            "status": lawyer.status,
        },
        "notification_preferences": [
            {"template_id": g.template_id, "accepted": g.accepted, "remaining": g.remaining, "at": _iso(g.created_at)}
            for g in grants
        ],
        "login_sessions": [
            {
                "id": str(s.id),
                "method": s.method,
                "started_at": _iso(s.created_at),
                "last_used_at": _iso(s.last_used_at),
                "expires_at": _iso(s.expires_at),
                "revoked_at": _iso(s.revoked_at),
                "revoked_reason": s.revoked_reason,
            }
            for s in sessions
        ],
    }


def phone_index_of(user_id: uuid.UUID) -> str | None:
    """The blind index of the person's phone (to find the SMS sent to them), or None."""
    return db.session.scalar(select(User.phone_index).where(User.id == user_id))


def staff_memberships(user_id: uuid.UUID) -> list[dict]:
    """The person's active court and organisation memberships (staff accounts are closed by their administrators)."""
    courts = db.session.execute(
        select(CourtMembership.court_id, CourtMembership.role).where(
            CourtMembership.user_id == user_id, CourtMembership.active.is_(True)
        )
    ).all()
    orgs = db.session.execute(
        select(OrgMembership.org_id, OrgMembership.role).where(
            OrgMembership.user_id == user_id, OrgMembership.active.is_(True)
        )
    ).all()
    return [{"court_id": str(c), "role": r} for c, r in courts] + [{"org_id": str(o), "role": r} for o, r in orgs]


def staff_roles(user_id: uuid.UUID) -> list[str]:
    """Platform roles and active court or organisation roles: such accounts are closed by their administrators."""
    platform = db.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    return sorted({*platform, *(m["role"] for m in staff_memberships(user_id))})


def close(user_id: uuid.UUID) -> dict:
    """De-identify the account and end every session, in the caller's transaction (the caller audits and commits)."""
    user = db_get(user_id, lock=True)
    end_all_sessions(user_id=user_id, reason="account_closed")
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
    for table in (SubscriptionGrant, UserRole, LawyerProfile, WeChatSessionKey):
        db.session.execute(delete(table).where(table.user_id == user_id))
    user.display_name = user.real_name = None
    user.phone_enc = user.phone_index = None
    user.id_number_enc = user.id_number_index = None
    user.wechat_openid = user.wechat_unionid = None
    user.verification_status, user.verification_provider, user.verification_reference = "closed", None, None
    user.verified_at = None
    user.status = "closed"
    return {"user_id": user_id, "status": "closed", "closed_at": clock.now(), "erased": list(ERASED)}


def db_get(user_id: uuid.UUID, *, lock: bool = False) -> User:
    """The user row (locked when asked); LookupError when it does not exist."""
    query = select(User).where(User.id == user_id)
    user = db.session.scalar(query.with_for_update() if lock else query)
    if user is None:
        raise LookupError(str(user_id))
    return user
