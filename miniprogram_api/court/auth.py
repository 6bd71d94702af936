"""Client-credentials tokens for court systems."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.extensions import limiter
from app.identity import machine_clients
from app.security.permissions import staff_court_ids
from miniprogram_api.auth import ANY, current_principal, login_required, public
from miniprogram_api.limits import configured
from miniprogram_api.schemas.auth import ClientCredentialsIn, MachineTokenOut, WhoAmIOut

blp = Blueprint("court_auth", __name__, description="Machine-client authentication for court systems.")


@blp.route("/auth/token", methods=["POST"])
@public
@limiter.limit(configured("LOGIN_LIMIT_PER_IP"))
@blp.arguments(ClientCredentialsIn)
@blp.response(200, MachineTokenOut)
def token(payload: dict) -> dict:
    """Exchange client credentials for a short-lived token scoped to the client's court."""
    access, ttl = machine_clients.issue_token(**payload)
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl}


@blp.route("/whoami", methods=["GET"])
@login_required(kinds=("user", "machine"), role=ANY)
@blp.response(200, WhoAmIOut)
def whoami() -> dict:
    """Who the token belongs to and which courts it may act for (integrators use it to test credentials)."""
    principal = current_principal()
    return {"kind": principal.kind, "subject": principal.subject, "court_ids": staff_court_ids(principal)}
