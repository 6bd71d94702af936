"""The caller's own account."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.identity import profile
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.users import (
    LawyerProfileIn,
    LawyerProfileOut,
    MeOut,
    PhoneBindIn,
    SubscriptionIn,
    SubscriptionOut,
    VerificationIn,
)

blp = Blueprint("mp_me", __name__, description="The caller's profile, phone, real name, lawyer profile.")


@blp.route("/me", methods=["GET"])
@login_required()
@blp.response(200, MeOut)
def me() -> dict:
    """Profile with own PII unmasked, roles, memberships and verification state."""
    return profile.profile(actor=current_principal())


@blp.route("/me/phone", methods=["POST"])
@login_required()
@blp.arguments(PhoneBindIn)
@blp.response(200, MeOut)
def bind_phone(payload: dict) -> dict:
    """Bind the WeChat phone number (`code`, or legacy `encrypted_data` + `iv`)."""
    return profile.bind_phone(
        actor=current_principal(),
        code=payload.get("code"),
        encrypted_data=payload.get("encrypted_data"),
        iv=payload.get("iv"),
    )


@blp.route("/me/verification", methods=["POST"])
@login_required()
@blp.arguments(VerificationIn)
@blp.response(200, MeOut)
def verify(payload: dict) -> dict:
    """Real-name verification (422 identity.id_number_invalid for a malformed number)."""
    return profile.verify_identity(actor=current_principal(), **payload)


@blp.route("/me/lawyer-profile", methods=["POST"])
@login_required()
@blp.arguments(LawyerProfileIn)
@blp.response(201, LawyerProfileOut)
def lawyer_profile(payload: dict) -> object:
    """Apply for lawyer verification (pending until an admin reviews it)."""
    return profile.apply_lawyer(actor=current_principal(), **payload)


@blp.route("/me/subscriptions", methods=["POST"])
@login_required()
@blp.arguments(SubscriptionIn)
@blp.response(201, SubscriptionOut)
def subscriptions(payload: dict) -> dict:
    """Record a subscribe-message grant."""
    return profile.record_subscription(actor=current_principal(), **payload)
