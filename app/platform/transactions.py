"""Transaction helpers the HTTP layer may call without touching the session itself."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.platform import idempotency

log = logging.getLogger(__name__)


def rollback() -> None:
    """Discard whatever the failed request wrote but did not commit (never raises)."""
    try:
        db.session.rollback()
    except SQLAlchemyError as exc:  # a dead connection must not hide the original error
        log.warning("rollback failed: %s", type(exc).__name__)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the work just committed has really landed: now, or (a request whose commits the
    Idempotency-Key layer defers to its answer's) right after that one COMMIT. For sends started after a
    commit, whose jobs read the rows it wrote."""
    idempotency.after_work_commits(callback)


def separate_commits() -> contextlib.AbstractContextManager[None]:
    """Every commit inside is a real COMMIT, even in a request whose commits are deferred to its answer's (the
    items of a batch are each their own transaction, so one bad item never spoils the others)."""
    return idempotency.separate_commits()
