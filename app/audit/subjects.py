"""The audit entries about one person, for their personal-data export (PIPL Art. 45): what they did and what was
done to their account. Read-only; the log itself is never changed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import or_, select

from app.audit.models import AuditEvent
from app.extensions import db

BATCH = 1000


def entries_about(user_id: uuid.UUID, *, skip_actions: tuple[str, ...] = ()) -> Iterator[dict]:
    """Entries whose actor is the person, or whose object is their account, oldest first, read in batches."""
    who = str(user_id)
    condition = or_(
        (AuditEvent.actor_kind == "user") & (AuditEvent.actor_id == who),
        (AuditEvent.object_type == "user") & (AuditEvent.object_id == who),
    )
    last = 0
    while True:
        query = select(AuditEvent).where(condition, AuditEvent.seq > last).order_by(AuditEvent.seq).limit(BATCH)
        rows = list(db.session.scalars(query))
        for event in rows:
            if event.action in skip_actions:
                continue
            yield {
                "seq": event.seq,
                "at": event.at.isoformat(),
                "action": event.action,
                "as_actor": event.actor_kind == "user" and event.actor_id == who,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "request_id": event.request_id,
                "details": event.details,
            }
        if len(rows) < BATCH:
            return
        last = rows[-1].seq
