"""Readiness: can this process reach the database and the blob store right now?"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import AppError, ServiceUnavailable
from app.extensions import db, storage

log = logging.getLogger(__name__)


def readiness() -> dict[str, str]:
    """Return 'ok' or a short failure note for each dependency (never raises)."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        storage.check()
        checks["storage"] = "ok"
    except AppError as exc:
        checks["storage"] = f"unavailable: {exc.message}"
    finally:
        db.session.remove()
    from app.services.ops import broker_status

    checks["broker"] = broker_status()
    return checks


def require_ready() -> dict[str, str]:
    """Return the checks, or raise 503 naming what is down."""
    checks = readiness()
    failing = {name: [state] for name, state in checks.items() if state != "ok"}
    if failing:
        log.warning("not ready", extra={"checks": checks})
        raise ServiceUnavailable("Not ready: " + ", ".join(sorted(failing)), reason="health.not_ready", errors=failing)
    return checks
