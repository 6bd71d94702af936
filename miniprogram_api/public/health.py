"""Liveness and readiness probes for load balancers and operators."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.platform import health
from miniprogram_api.auth import public
from miniprogram_api.schemas.health import HealthOut, ReadyOut

blp = Blueprint("health", __name__, description="Liveness and readiness probes.")


@blp.route("/healthz")
@public
@blp.response(200, HealthOut)
def healthz() -> dict:
    """The process is up and serving requests (touches nothing else)."""
    return {"status": "ok"}


@blp.route("/readyz")
@public
@blp.response(200, ReadyOut)
@blp.alt_response(503, description="A dependency is down; `errors` names it.")
def readyz() -> dict:
    """The database and the blob store are reachable; 503 naming the one that is not."""
    return {"status": "ready", "checks": health.require_ready()}
