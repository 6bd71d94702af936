"""What every litigation step leaves behind besides the timeline: the audit record and the court's webhook."""

from __future__ import annotations

import uuid

from app.audit import log as audit
from app.cases import Case
from app.litigation import step_hooks
from app.security.permissions import Principal
from app.utils import clock
from app.webhooks import deliveries as webhooks


def announce(
    case: Case,
    event_type: str,
    *,
    actor: Principal | None,
    data: dict,
    court_id: uuid.UUID | None = None,
    object_type: str = "case",
    object_id: object = None,
) -> list[uuid.UUID]:
    """Audit the step and write the webhook deliveries to the court's subscribers (the caller commits).

    Returns the delivery ids to hand to `webhooks.dispatch` after the commit. `data` holds ids, states and
    methods only (no personal data: it goes to the audit log and to court systems).
    """
    step_hooks.run(case, event_type, data, actor)  # fees halves a fee, bills an appeal ... (app/wiring.py)
    audit.record(
        event_type,
        actor=actor,
        object_type=object_type,
        object_id=object_id if object_id is not None else case.id,
        details=data,
    )
    court = court_id or case.court_id
    if court is None:
        return []
    payload = {"case_id": str(case.id), "case_number": case.case_number, "status": case.status, **data}
    event = webhooks.Event(id=uuid.uuid4(), type=event_type, court_id=court, at=clock.now(), data=lambda: payload)
    return webhooks.record([event])
