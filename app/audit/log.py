"""Appending to and verifying the hash-chained audit log (keyed HMAC, gap-free sequence)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.audit.models import AuditEvent, AuditHead
from app.extensions import db
from app.platform import settings
from app.security.permissions import Principal
from app.utils import clock
from app.utils.request_context import current_request_id
from config import parse_key_ring

log = logging.getLogger(__name__)
GENESIS = "0" * 64
HEAD_ID = 1


def _keys() -> dict[str, bytes]:
    config = settings.audit()
    pairs = parse_key_ring(config.hmac_keys)
    if not pairs:
        derived = hashlib.sha256(b"microcourt-audit:" + config.secret_key.encode()).hexdigest()
        pairs = [("dev", derived)]
    return {kid: secret.encode() for kid, secret in pairs}


def _active_kid(keys: Mapping[str, bytes]) -> str:
    return settings.audit().active_kid or next(iter(keys))


def canonical(event: AuditEvent) -> bytes:
    """The bytes the HMAC covers: every field but the hash itself, in a fixed order."""
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "action": event.action,
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "request_id": event.request_id,
        "details": event.details or {},
        "key_id": event.key_id,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _mac(key: bytes, event: AuditEvent) -> str:
    return hmac.new(key, canonical(event), hashlib.sha256).hexdigest()


def _lock_head() -> AuditHead:
    """Create the head row once (race-safe), then lock it: appends are serialised, so seq has no gaps."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(AuditHead).values(id=HEAD_ID, last_seq=0, last_hash=GENESIS).on_conflict_do_nothing())
    return db.session.scalars(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()).one()


def record(
    action: str,
    *,
    actor: Principal | None = None,
    actor_kind: str | None = None,
    actor_id: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction (the caller commits). Details must hold no raw PII."""
    keys = _keys()
    kid = _active_kid(keys)
    head = _lock_head()
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=clock.now(),
        action=action,
        actor_kind=actor_kind or (actor.kind if actor else "system"),
        actor_id=actor_id or (actor.subject if actor else None),
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        request_id=current_request_id() if current_request_id() != "-" else None,
        details=dict(details or {}),
        key_id=kid,
        prev_hash=head.last_hash,
    )
    event.hash = _mac(keys[kid], event)
    head.last_seq, head.last_hash = event.seq, event.hash
    db.session.add(event)
    return event


def record_now(action: str, **kwargs: Any) -> None:
    """Append and commit at once (for events outside a business transaction, e.g. failed logins)."""
    record(action, **kwargs)
    db.session.commit()


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    """What the verifier found: ok, or the first broken position and why."""

    ok: bool
    checked: int
    head_seq: int
    problem: str | None = None
    position: int | None = None


def _events(batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch))
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        db.session.expunge_all()


def verify() -> VerifyResult:
    """Recompute the chain: finds edited, deleted, swapped and inserted rows and names the first position."""
    keys = _keys()
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for event in _events():
        problem = _check(event, expected_seq, prev_hash, keys)
        if problem:
            return VerifyResult(ok=False, checked=checked, head_seq=event.seq, problem=problem, position=expected_seq)
        expected_seq, prev_hash, checked = event.seq + 1, event.hash, checked + 1
    head = db.session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
        return VerifyResult(
            ok=False,
            checked=checked,
            head_seq=expected_seq - 1,
            problem="the newest rows are missing (head is ahead of the table)",
            position=expected_seq,
        )
    return VerifyResult(ok=True, checked=checked, head_seq=expected_seq - 1)


def _check(event: AuditEvent, expected_seq: int, prev_hash: str, keys: Mapping[str, bytes]) -> str | None:
    if event.seq != expected_seq:
        return f"sequence gap: expected {expected_seq}, found {event.seq} (rows deleted)"
    if event.key_id not in keys:
        return f"unknown key id {event.key_id!r}"
    if event.prev_hash != prev_hash:
        return "link broken: prev_hash does not match the previous row (rows swapped, inserted or deleted)"
    if not hmac.compare_digest(_mac(keys[event.key_id], event), event.hash):
        return "hash mismatch: the row was edited"
    return None


def export_head() -> dict[str, Any]:
    """The current head (sequence, hash, time) for anchoring outside this database."""
    head = db.session.get(AuditHead, HEAD_ID)
    if head is None:
        return {"seq": 0, "hash": GENESIS, "at": None}
    last = db.session.get(AuditEvent, head.last_seq)
    return {"seq": head.last_seq, "hash": head.last_hash, "at": last.at.isoformat() if last else None}
