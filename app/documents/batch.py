"""Batch push: many documents in one multipart request, each with its own idempotency key and result.

Each item is pushed in its own transaction, exactly as a single push would be, so one bad item never
spoils the others and a retried batch (whole or in part) creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

from app.documents import push as documents
from app.errors import AppError, ValidationFailed
from app.extensions import db
from app.platform import settings
from app.security.permissions import Principal


def push_batch(*, actor: Principal, items: list[dict], files: Mapping[str, IO[bytes]]) -> dict:
    """Push every item; return per-item results in the order sent (201 new, 200 replayed, 4xx refused)."""
    limit = settings.documents().batch_max_items
    if len(items) > limit:
        raise ValidationFailed(errors={"items": [f"At most {limit} items per batch."]})
    return {"items": [_one(index, item, actor=actor, files=files) for index, item in enumerate(items)]}


def _one(index: int, item: dict, *, actor: Principal, files: Mapping[str, IO[bytes]]) -> dict:
    result = {"index": index, "idempotency_key": item["idempotency_key"], "document": None, "error": None}
    stream = files.get(item["file"]) if item.get("file") else None
    if item.get("file") and stream is None:
        error = ValidationFailed(errors={"file": [f"No multipart part named {item['file']!r}."]})
        return {**result, "status": error.http_status, "error": _error(error)}
    if stream is not None:
        stream.seek(0)  # two items may name the same part
    try:
        pushed = documents.push(actor=actor, meta=item["meta"], stream=stream, submission_key=item["idempotency_key"])
    except AppError as exc:
        db.session.rollback()
        return {**result, "status": exc.http_status, "error": _error(exc)}
    return {**result, "status": 200 if pushed["replayed"] else 201, "document": pushed}


def _error(exc: AppError) -> dict:
    return {"code": exc.http_status, "reason": exc.reason, "message": exc.message, "errors": exc.errors}
