"""The caller's own account."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.identity import language, profile
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.users import (
    LanguageIn,
    LanguageOut,
    LawyerProfileIn,
    LawyerProfileOut,
    MeOut,
    PhoneBindIn,
    SubscriptionIn,
    SubscriptionOut,
    VerificationIn,
)

blp = Blueprint("mp_me", __name__, description="The caller's profile, phone, real name, lawyer profile, language.")


def _with_language(me: dict) -> dict:
    """The profile with the person's chosen language for later texts (null: none chosen)."""
    return {**me, "language": language.language_of(str(me["id"]))}


@blp.route("/me", methods=["GET"])
@login_required()
@blp.response(200, MeOut)
def me() -> dict:
    """Profile with own PII unmasked, roles, memberships and verification state."""
    return _with_language(profile.profile(actor=current_principal()))


@blp.route("/me/phone", methods=["POST"])
@login_required()
@blp.arguments(PhoneBindIn, required=False)
@blp.response(200, MeOut)
def bind_phone(payload: dict) -> dict:
    """Bind the WeChat phone number (`code`, or legacy `encrypted_data` + `iv`)."""
    return _with_language(
        profile.bind_phone(
            actor=current_principal(),
            code=payload.get("code"),
            encrypted_data=payload.get("encrypted_data"),
            iv=payload.get("iv"),
        )
    )


@blp.route("/me/verification", methods=["POST"])
@login_required()
@blp.arguments(VerificationIn)
@blp.response(200, MeOut)
def verify(payload: dict) -> dict:
    """Real-name verification (422 identity.id_number_invalid for a malformed number)."""
    return _with_language(profile.verify_identity(actor=current_principal(), **payload))


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


@blp.route("/me/language", methods=["PUT"])
@login_required()
@idempotent()
@blp.arguments(LanguageIn)
@blp.response(200, LanguageOut)
def set_language(payload: dict) -> dict:
    """Choose the language of texts sent later (SMS, subscribe messages): 'zh', 'en', or null to clear (Chinese).

    Only this call stores it: a request's Accept-Language chooses the language of that answer, never the stored one.
    An unknown language is 422 validation.failed.
    """
    return {"language": language.set_language(actor=current_principal(), language=payload["language"])}
