"""Readiness: can this process reach the database, the blob store and the broker, and render certificates?"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import AppError, ServiceUnavailable
from app.extensions import db, storage
from app.integrations import pdf

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
    from app.platform.broker import broker_status

    checks["broker"] = broker_status()
    checks["certificate_font"] = certificate_font_status()
    return checks


def certificate_font_status() -> str:
    """'ok' when the service-certificate fonts load (cached by the pdf module after the first success)."""
    try:
        pdf.certificate_fonts()
    except Exception as exc:  # noqa: BLE001 - a corrupt font can raise KeyError or struct.error too; never a 500 here
        log.warning("certificate font unusable", extra={"error": str(exc)[:500]})
        return f"unavailable: CERTIFICATE_FONT_PATH cannot be used ({type(exc).__name__}; see the log)"
    return "ok"


def require_ready() -> dict[str, str]:
    """Return the checks, or raise 503 naming what is down."""
    checks = readiness()
    failing = {name: [state] for name, state in checks.items() if state != "ok"}
    if failing:
        log.warning("not ready", extra={"checks": checks})
        raise ServiceUnavailable("Not ready: " + ", ".join(sorted(failing)), reason="health.not_ready", errors=failing)
    return checks
