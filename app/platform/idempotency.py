"""Idempotency-Key semantics: same key + same body replays, different body 422, in flight 409."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.platform import settings
from app.platform.models import IdempotencyRecord
from app.utils import clock

IN_FLIGHT_LEASE = dt.timedelta(seconds=120)
MAX_KEY_LENGTH = 255


@dataclasses.dataclass(frozen=True)
class StoredResponse:
    """A response recorded for a key, replayed to a retry."""

    status: int
    body: object


def check_key(key: str) -> str:
    """Validate a client-supplied key: printable ASCII, 1..255 characters."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            reason="idempotency.key_invalid",
            errors={"Idempotency-Key": ["Must be 1 to 255 printable ASCII characters."]},
        )
    return key


def begin(*, scope: str, key: str, fingerprint: str) -> StoredResponse | None:
    """Claim the key for this request; return the stored response if the work was already done."""
    check_key(key)
    now = clock.now()
    ttl = dt.timedelta(hours=settings.http().idempotency_ttl_hours)
    record = IdempotencyRecord(
        scope=scope, key=key, fingerprint=fingerprint, locked_until=now + IN_FLIGHT_LEASE, expires_at=now + ttl
    )
    db.session.add(record)
    try:
        db.session.commit()
        return None
    except IntegrityError:
        db.session.rollback()
    existing = db.session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    ).one()
    return _resolve_existing(existing, fingerprint=fingerprint, now=now, ttl=ttl)


def _resolve_existing(
    record: IdempotencyRecord, *, fingerprint: str, now: dt.datetime, ttl: dt.timedelta
) -> StoredResponse | None:
    if record.fingerprint != fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was used with a different request body.",
            reason="idempotency.key_reused",
            errors={"Idempotency-Key": ["Already used with a different request."]},
        )
    if record.state == "done":
        return StoredResponse(status=record.response_status or 200, body=json.loads(record.response_body or "null"))
    if record.locked_until > now:
        raise Conflict(
            "A request with this Idempotency-Key is still being processed.",
            reason="idempotency.in_flight",
            headers={"Retry-After": "2"},
        )
    # The first attempt died without finishing (its lease ran out): this retry takes over.
    record.locked_until = now + IN_FLIGHT_LEASE
    record.expires_at = now + ttl
    db.session.commit()
    return None


def finish(*, scope: str, key: str, status: int, body: object) -> None:
    """Record the successful response so that retries replay it."""
    record = db.session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    ).one_or_none()
    if record is None:
        return
    record.state = "done"
    record.response_status = status
    record.response_body = json.dumps(body, ensure_ascii=False, default=str)
    db.session.commit()


def abandon(*, scope: str, key: str) -> None:
    """Release the key after a failed request, so a corrected retry may use it."""
    db.session.rollback()
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key, IdempotencyRecord.state == "in_flight"
        )
    )
    db.session.commit()


def purge_expired() -> int:
    """Delete records past their retention; return how many went."""
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < clock.now()))
    db.session.commit()
    return result.rowcount or 0
