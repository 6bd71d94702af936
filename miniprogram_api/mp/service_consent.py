"""E-service consent for parties and their agents: see, give (this case / all my cases), change address, withdraw.

Also the claim: a recipient without an account on the case enters the code from the SMS notice.
"""

from __future__ import annotations

import uuid

from flask import g
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from app.documents import consent, consent_claim, consent_standing
from app.extensions import limiter
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.limits import configured
from miniprogram_api.schemas.service_consent import (
    AddressCodeIn,
    AddressIn,
    CaseConsentOut,
    ClaimIn,
    ClaimOut,
    ConsentGiveIn,
    PartyArgs,
    PartyConsentOut,
    StandingCodeIn,
    StandingGiveIn,
    StandingOut,
)

blp = Blueprint("mp_service_consent", __name__, description="Consent to electronic service (电子送达) and its address.")


def _caller_key() -> str:
    """Rate-limit key per logged-in user (login_required runs first, so the principal is known)."""
    return "service-claim:" + g.principal_scope


@blp.route("/cases/<uuid:case_id>/service-consent", methods=["GET"])
@login_required()
@blp.response(200, CaseConsentOut)
def show(case_id: uuid.UUID) -> dict:
    """Your parties in the case (yourself, those you act for) with their consent, and the text to agree to."""
    return consent.view(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/service-consent", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(ConsentGiveIn)
@blp.response(200, PartyConsentOut)
def give(payload: dict, case_id: uuid.UUID) -> dict:
    """Consent (scope `case`, or `all_cases` as the party yourself); documents held for the party are delivered."""
    return consent.give(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/cases/<uuid:case_id>/service-consent/address", methods=["PUT"])
@login_required()
@idempotent()
@blp.arguments(AddressIn)
@blp.response(200, PartyConsentOut)
def change_address(payload: dict, case_id: uuid.UUID) -> dict:
    """Confirm or change the service address (409 `service_consent.not_given` without a consent)."""
    return consent.change_address(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/cases/<uuid:case_id>/service-consent/address/confirm", methods=["POST"])
@login_required()
@limiter.limit(configured("SMS_VERIFY_LIMIT_PER_IP"), key_func=get_remote_address)
@idempotent()
@blp.arguments(AddressCodeIn)
@blp.response(200, PartyConsentOut)
def confirm_address(payload: dict, case_id: uuid.UUID) -> dict:
    """Enter the code sent to the e-mail address: later notices go there (422 wrong code, 409 none waiting)."""
    return consent.confirm_address(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/cases/<uuid:case_id>/service-consent", methods=["DELETE"])
@login_required()
@blp.arguments(PartyArgs, location="query")
@blp.response(200, PartyConsentOut)
def withdraw(args: dict, case_id: uuid.UUID) -> dict:
    """Withdraw the consent in this case; documents served before stay served."""
    return consent.withdraw(case_id=case_id, actor=current_principal(), party_id=args.get("party_id"))


@blp.route("/me/service-consent", methods=["GET"])
@login_required()
@blp.response(200, StandingOut)
def show_standing() -> dict:
    """Your consent for all your cases, and the text to agree to."""
    return consent_standing.view_standing(actor=current_principal())


@blp.route("/me/service-consent", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(StandingGiveIn)
@blp.response(200, StandingOut)
def give_standing(payload: dict) -> dict:
    """Consent for all your cases, present and future; what waits in any of them is delivered."""
    return consent_standing.give_standing(actor=current_principal(), **payload)


@blp.route("/me/service-consent/address/confirm", methods=["POST"])
@login_required()
@limiter.limit(configured("SMS_VERIFY_LIMIT_PER_IP"), key_func=get_remote_address)
@idempotent()
@blp.arguments(StandingCodeIn)
@blp.response(200, StandingOut)
def confirm_standing_address(payload: dict) -> dict:
    """Enter the code sent to the e-mail address of your consent for all cases."""
    return consent_standing.confirm_standing_address(actor=current_principal(), code=payload["code"])


@blp.route("/me/service-consent", methods=["DELETE"])
@login_required()
@blp.response(200, StandingOut)
def withdraw_standing() -> dict:
    """Withdraw the consent for all cases (and so in each of them)."""
    return consent_standing.withdraw_standing(actor=current_principal())


@blp.route("/service/claim", methods=["POST"])
@login_required()
@limiter.limit(configured("HOTLINE_CLAIM_LIMIT_PER_IP"), key_func=get_remote_address)
@limiter.limit(configured("HOTLINE_CLAIM_LIMIT_PER_USER"), key_func=_caller_key)
@idempotent()
@blp.arguments(ClaimIn)
@blp.response(200, ClaimOut)
def claim(payload: dict) -> dict:
    """Join the case as the party the SMS notice was for: your phone must be theirs (wrong, used, expired: 404)."""
    return consent_claim.claim(code=payload["code"], actor=current_principal())
