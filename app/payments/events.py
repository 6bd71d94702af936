"""What payments announce to the case's court systems (webhooks): payment.paid and payment.refunded.

Deliveries are written in the booking's transaction and kept in the session; `flush` enqueues them after the
commit (the session forgets them on the next announcement batch).
"""

from __future__ import annotations

import logging
import uuid

from app.cases import Case
from app.extensions import db
from app.utils import clock
from app.webhooks import deliveries as webhooks

EVENT_TYPES = ("payment.paid", "payment.refunded")
SESSION_KEY = "payments.webhooks"
log = logging.getLogger(__name__)


def announce(case: Case, event_type: str, data: dict) -> None:
    """A webhook event for the case's court (none for a case without one)."""
    if case.court_id is None:
        return
    payload = {"case_id": str(case.id), **data}
    event = webhooks.Event(
        id=uuid.uuid4(), type=event_type, court_id=case.court_id, at=clock.now(), data=lambda: payload
    )
    db.session.info.setdefault(SESSION_KEY, []).extend(webhooks.record([event]))


def flush() -> None:
    """Enqueue the deliveries recorded so far (call after the commit)."""
    ids = db.session.info.pop(SESSION_KEY, [])
    if not ids:
        return
    try:
        webhooks.dispatch(ids)
    except Exception:  # the rows are committed: the webhook sweep sends them; the booking must not fail
        log.exception("payment webhooks not enqueued; the sweep will send them")
