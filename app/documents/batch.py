"""Batch push: many documents in one multipart request, each with its own idempotency key and result.

Each item is pushed in its own transaction, exactly as a single push would be, so one bad item never
spoils the others and a retried batch (whole or in part) creates nothing twice. What the items share is read
once for the whole batch: the cases, their parties and courts are loaded by one query each before the first
item and are not expired by the items' commits (a single push reads them once, too).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import IO

from sqlalchemy import select

from app.cases import Case, CaseParty
from app.documents import push as documents
from app.errors import AppError, ValidationFailed
from app.extensions import db
from app.identity import Court
from app.legal import load_overrides
from app.platform import settings, transactions
from app.security.permissions import Principal


def push_batch(*, actor: Principal, items: list[dict], files: Mapping[str, IO[bytes]]) -> dict:
    """Push every item; return per-item results in the order sent (201 new, 200 replayed, 4xx refused)."""
    limit = settings.documents().batch_max_items
    if len(items) > limit:
        raise ValidationFailed(errors={"items": [f"At most {limit} items per batch."]})
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        with transactions.separate_commits():
            shared = _shared_rows(items)  # held for the whole batch (the identity map keeps rows weakly)
            calendar = functools.cache(load_overrides)  # read once, by the first served item
            results = [
                _one(index, item, actor=actor, files=files, calendar=calendar) for index, item in enumerate(items)
            ]
            del shared
            return {"items": results}
    finally:
        session.expire_on_commit = expire


def _shared_rows(items: list[dict]) -> list[object]:
    """Load every case, recipient party and court the items name, one query each (not one per item)."""
    metas = [item.get("meta") or {} for item in items]
    case_ids = {meta["case_id"] for meta in metas if meta.get("case_id") is not None}
    numbers = {meta["case_number"] for meta in metas if meta.get("case_number") is not None}
    party_ids = {meta["recipient_party_id"] for meta in metas if meta.get("recipient_party_id") is not None}
    rows: list[object] = []
    if case_ids or numbers:
        found = select(Case).where(Case.id.in_(case_ids) | Case.case_number.in_(numbers))
        rows += db.session.scalars(found).all()
    if party_ids:
        rows += db.session.scalars(select(CaseParty).where(CaseParty.id.in_(party_ids))).all()
    court_ids = {row.court_id for row in rows if isinstance(row, Case) and row.court_id is not None}
    if court_ids:
        rows += db.session.scalars(select(Court).where(Court.id.in_(court_ids))).all()
    return rows


def _one(
    index: int, item: dict, *, actor: Principal, files: Mapping[str, IO[bytes]], calendar: Callable[[], dict]
) -> dict:
    result = {"index": index, "idempotency_key": item["idempotency_key"], "document": None, "error": None}
    stream = files.get(item["file"]) if item.get("file") else None
    if item.get("file") and stream is None:
        error = ValidationFailed(errors={"file": [f"No multipart part named {item['file']!r}."]})
        return {**result, "status": error.http_status, "error": _error(error)}
    if stream is not None:
        stream.seek(0)  # two items may name the same part
    try:
        pushed = documents.push(
            actor=actor, meta=item["meta"], stream=stream, submission_key=item["idempotency_key"], calendar=calendar
        )
    except AppError as exc:
        db.session.rollback()
        return {**result, "status": exc.http_status, "error": _error(exc)}
    return {**result, "status": 200 if pushed["replayed"] else 201, "document": pushed}


def _error(exc: AppError) -> dict:
    return {"code": exc.http_status, "reason": exc.reason, "message": exc.message, "errors": exc.errors}
