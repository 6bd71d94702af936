"""A 12368 caller takes over the case the hotline filed for them, with the code they received by SMS."""

from __future__ import annotations

from flask import g
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from app.extensions import limiter
from app.hotline import calls
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.limits import configured
from miniprogram_api.schemas.cases import CaseDetailOut
from miniprogram_api.schemas.hotline import HotlineClaimIn

blp = Blueprint("mp_claims", __name__, description="Claim a case filed for you by the 12368 hotline.")


def _caller_key() -> str:
    """Rate-limit key per logged-in user (login_required runs first, so the principal is known)."""
    return "claim:" + g.principal_scope


@blp.route("/cases/claim", methods=["POST"])
@login_required()
@limiter.limit(configured("HOTLINE_CLAIM_LIMIT_PER_IP"), key_func=get_remote_address)
@limiter.limit(configured("HOTLINE_CLAIM_LIMIT_PER_USER"), key_func=_caller_key)
@blp.arguments(HotlineClaimIn)
@blp.response(200, CaseDetailOut)
def claim(payload: dict) -> dict:
    """Bind yourself to your party: your account's phone must be the caller's (wrong, used, expired: all 404)."""
    return calls.claim_case(code=payload["code"], actor=current_principal())
