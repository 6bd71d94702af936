"""The case timeline: append-only events with who, when, from, to and why."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import Case, TimelineEvent
from app.extensions import db
from app.security.permissions import Principal
from app.utils import clock


def record(
    case: Case,
    event_type: str,
    *,
    actor: Principal | None,
    actor_role: str,
    summary: str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict | None = None,
) -> TimelineEvent:
    """Append one event in the caller's transaction (server time only)."""
    event = TimelineEvent(
        case_id=case.id,
        at=clock.now(),
        type=event_type,
        actor_user_id=actor.user_id if actor is not None else None,
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        summary=summary[:500],
        reason=reason,
        data=data or {},
    )
    db.session.add(event)
    return event


def events_for(case: Case) -> list[TimelineEvent]:
    """Every event of a case, oldest first."""
    query = select(TimelineEvent).where(TimelineEvent.case_id == case.id)
    return list(db.session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id)))
