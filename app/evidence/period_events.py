"""Webhook events for the court's systems about the evidence period: what waits for the court's decision."""

from __future__ import annotations

import uuid

from app.cases import Case
from app.utils import clock
from app.webhooks import deliveries as webhooks

# evidence_period.extension_applied: a party applied for more time; evidence.late_submitted: a late item was shared.
WEBHOOK_EVENTS = ("evidence_period.extension_applied", "evidence.late_submitted")


def announce(case: Case, event_type: str, data: dict) -> list[uuid.UUID]:
    """Record the deliveries in the caller's transaction; dispatch the ids returned after the commit."""
    if case.court_id is None:
        return []
    payload = {"case_id": str(case.id), "case_number": case.case_number, **data}
    event = webhooks.Event(
        id=uuid.uuid4(), type=event_type, court_id=case.court_id, at=clock.now(), data=lambda: payload
    )
    return webhooks.record([event])


def dispatch(ids: list[uuid.UUID]) -> None:
    """Send after the commit (the webhook sweep covers a lost job)."""
    webhooks.dispatch(ids)
