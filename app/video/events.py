"""Webhook events for court systems: a recording stored (with its SHA-256) and minutes frozen (with theirs).

Registered in app/wiring.py. The delivery rows are written in the change's transaction and sent after its commit
(`after_commit`); a lost send is retried by the webhook sweep. Only cases with a court hear of them.
"""

from __future__ import annotations

import logging
import uuid

from app.cases import Case
from app.extensions import db
from app.utils import clock
from app.webhooks import deliveries as webhooks

log = logging.getLogger(__name__)
WEBHOOK_EVENTS = ("video.recording_stored", "video.minutes_frozen")
_PENDING = "microcourt.video_webhooks"


def publish(case: Case, event_type: str, data: dict) -> None:
    """Write the deliveries of one event for the case's court (the caller commits)."""
    if case.court_id is None:
        return
    payload = {"case_id": str(case.id), "case_number": case.case_number, **data}
    event = webhooks.Event(
        id=uuid.uuid4(), type=event_type, court_id=case.court_id, at=clock.now(), data=lambda: payload
    )
    db.session.info.setdefault(_PENDING, []).extend(webhooks.record([event]))


def after_commit() -> None:
    """Start sending the deliveries written by the committed transaction (the sweep retries a failure)."""
    ids = db.session.info.pop(_PENDING, [])
    if not ids:
        return
    try:
        webhooks.dispatch(ids)
    except Exception:  # committed rows are sent by the sweep
        log.exception("video webhook dispatch failed")
