"""Transaction helpers the HTTP layer may call without touching the session itself."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

log = logging.getLogger(__name__)


def rollback() -> None:
    """Discard whatever the failed request wrote but did not commit (never raises)."""
    try:
        db.session.rollback()
    except SQLAlchemyError as exc:  # a dead connection must not hide the original error
        log.warning("rollback failed: %s", type(exc).__name__)
