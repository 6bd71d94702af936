"""The caller's own account: profile, phone binding, real-name verification, lawyer profile, subscriptions."""

from __future__ import annotations

import unicodedata

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.identity import wechat_login
from app.identity.models import LawyerProfile, SubscriptionGrant, User
from app.integrations.identity import IdentityVerifier
from app.platform import adapters
from app.security import idcard, permissions, pii
from app.security.permissions import Principal
from app.utils import clock


def _me(actor: Principal) -> User:
    user = db.session.get(User, actor.user_id) if permissions.is_user(actor) else None
    if user is None:
        raise NotFound("Not found.", reason="resource.not_found")
    return user


def profile(*, actor: Principal) -> dict:
    """The caller's profile with their own PII unmasked."""
    user = _me(actor)
    memberships = [{"court_id": cid, "role": role} for cid, roles in actor.court_roles.items() for role in roles]
    memberships += [{"org_id": oid, "role": role} for oid, roles in actor.org_roles.items() for role in roles]
    # Authentication read whether a lawyer profile exists (one row of its grants): without one, no statement here.
    lawyer = None if actor.has_lawyer_profile is False else db.session.scalar(_LAWYER_PROFILE, {"user_id": user.id})
    return {
        "id": user.id,
        "display_name": user.display_name,
        "status": user.status,
        "phone": pii.decrypt(user.phone_enc, field="phone") if user.phone_enc else None,
        "real_name": user.real_name,
        "id_number": pii.decrypt(user.id_number_enc, field="id_number") if user.id_number_enc else None,
        "verification_status": user.verification_status,
        "verified_at": user.verified_at,
        "roles": sorted(actor.all_roles),
        "memberships": memberships,
        "lawyer_profile": lawyer,
        "wechat_linked": user.wechat_openid is not None,
    }


_LAWYER_PROFILE = select(LawyerProfile).where(LawyerProfile.user_id == bindparam("user_id", type_=Uuid))


def bind_phone(*, actor: Principal, code: str | None, encrypted_data: str | None, iv: str | None) -> dict:
    """Bind the phone WeChat vouches for (new `code` flow, or legacy encryptedData with the watermark check)."""
    user = _me(actor)
    if code:
        phone = wechat_login.client().phone_number(code).phone_number
    elif encrypted_data and iv:
        session_key = wechat_login.session_key_for(user)
        if session_key is None:
            raise Conflict("Log in with WeChat first.", reason="identity.no_wechat_session")
        phone = str(wechat_login.client().decrypt_legacy(session_key, encrypted_data, iv).get("phoneNumber", ""))
    else:
        raise ValidationFailed(errors={"code": ["Send either code, or encrypted_data and iv."]})
    normalized = pii.normalize_phone(phone)
    index = pii.blind_index(normalized, field="phone")
    owner = db.session.scalar(select(User.id).where(User.phone_index == index))
    if owner is not None and owner != user.id:
        raise Conflict("This phone number belongs to another account.", reason="identity.phone_taken")
    user.phone_enc, user.phone_index = pii.encrypt(normalized, field="phone"), index
    db.session.commit()
    return profile(actor=actor)


# The separator of a name of several parts (阿依古丽·买买提) is U+00B7 on the identity card; phones and IMEs type it as
# any of these look-alikes.
NAME_DOTS = str.maketrans(dict.fromkeys("\u2022\u2027\u2219\u22c5\u30fb\u0387\u16eb\u2e31\u00b7.", "\u00b7"))


def names_match(written: str, verified: str) -> bool:
    """Whether a name written by someone else (a party in a filing) is this verified real name: compared after NFKC
    (full-width letters and spaces as plain ones) with every space removed, since a filer may type "李 四" for 李四,
    and with any middle-dot look-alike as the identity card's "·". The one rule wherever a verified person must be
    the named one (joining a named party, signing in person)."""
    written_key, verified_key = (_name_key(name) for name in (written, verified))
    return bool(verified_key) and written_key == verified_key


def _name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).translate(NAME_DOTS)


def verifier() -> IdentityVerifier:
    """The configured identity provider (built once, in create_app)."""
    return adapters.identity_verifier()


def verify_identity(*, actor: Principal, real_name: str, id_number: str) -> dict:
    """Real-name verification: GB 11643 checks, then the identity provider."""
    user = _me(actor)
    if user.verification_status == "verified":
        raise Conflict("This account is already verified.", reason="identity.already_verified")
    parsed = idcard.parse_id_number(id_number, today=clock.now_shanghai().date())
    name = real_name.strip()
    index = pii.blind_index(parsed.normalized, field="id_number")
    owner = db.session.scalar(select(User.id).where(User.id_number_index == index))
    if owner is not None and owner != user.id:
        raise Conflict("This ID number is verified on another account.", reason="identity.id_number_taken")
    result = verifier().verify(name, parsed.normalized)
    if not result.verified:
        user.verification_status = "failed"
        db.session.commit()
        raise ValidationFailed(
            "The name and ID number could not be verified.",
            reason="identity.verification_failed",
            errors={"real_name": ["The name does not match the ID number."]},
        )
    user.real_name, user.id_number_index = name, index
    user.id_number_enc = pii.encrypt(parsed.normalized, field="id_number")
    user.verification_status, user.verified_at = "verified", clock.now()
    user.verification_provider, user.verification_reference = result.provider, result.reference
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("This ID number is verified on another account.", reason="identity.id_number_taken") from None
    return profile(actor=actor)


def apply_lawyer(*, actor: Principal, license_number: str, law_firm: str, practice_region: str) -> LawyerProfile:
    """Submit (or resubmit after rejection) a lawyer profile for admin verification."""
    user = _me(actor)
    record = db.session.scalar(select(LawyerProfile).where(LawyerProfile.user_id == user.id))
    if record is not None and record.status == "verified":
        raise Conflict("The lawyer profile is already verified.", reason="lawyer.already_verified")
    record = record or LawyerProfile(user_id=user.id)
    record.license_number, record.law_firm, record.practice_region = license_number, law_firm, practice_region
    record.status, record.reviewed_at, record.reviewed_by, record.review_note = "pending", None, None, None
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("This licence number is registered to another account.", reason="lawyer.license_taken") from None
    return record


def record_subscription(*, actor: Principal, template_id: str, accepted: bool) -> dict:
    """Record a subscribe-message answer; each accepted one-time grant allows one send."""
    user = _me(actor)
    grant = SubscriptionGrant(user_id=user.id, template_id=template_id, accepted=accepted, remaining=int(accepted))
    db.session.add(grant)
    db.session.commit()
    remaining = db.session.scalars(
        select(SubscriptionGrant.remaining).where(
            SubscriptionGrant.user_id == user.id, SubscriptionGrant.template_id == template_id
        )
    )
    return {"template_id": template_id, "accepted": accepted, "remaining": sum(remaining)}
