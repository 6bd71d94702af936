"""Batch push: many documents in one multipart request, each with its own idempotency key and result.

The whole batch is one transaction with one COMMIT; each item is pushed exactly as a single push would be, inside
a SAVEPOINT of its own (`transactions.one_transaction`), so a bad item rolls back only its own writes and never
spoils the others, and a retried batch (whole or in part) creates nothing twice: every item carries its own key,
stored with its document. What the items share is read once for the whole batch: the cases, their parties and
courts are loaded by one query each before the first item, and the holiday calendar once.

Failure atomicity: an error that is not an item's own refusal (a lost connection, a crash) loses the whole
batch, not a part: nothing landed, and a resend creates every item. A crash after the COMMIT but before the
answer reached the client is answered by the resend from the items' keys (200, the same documents); under the
batch's own Idempotency-Key the answer commits with the work, so the resend replays it as it was.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import IO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import Case, CaseParty
from app.documents import outbox as delivery_outbox
from app.documents import push as documents
from app.documents import recipient_facts
from app.documents.models import ServedDocument
from app.errors import AppError, ValidationFailed
from app.extensions import db
from app.legal import load_overrides
from app.platform import settings, transactions
from app.security.permissions import Principal


def push_batch(*, actor: Principal, items: list[dict], files: Mapping[str, IO[bytes]]) -> dict:
    """Push every item; return per-item results in the order sent (201 new, 200 replayed, 4xx refused)."""
    limit = settings.documents().batch_max_items
    if len(items) > limit:
        raise ValidationFailed(errors={"items": [f"At most {limit} items per batch."]})
    stored: list[str] = []  # the objects the kept items stored: orphans if the batch's transaction does not land
    try:
        with transactions.one_transaction() as batch:
            shared = _shared_rows(items)  # held for the whole batch (the identity map keeps rows weakly)
            calendar = functools.cache(load_overrides)  # read once, by the first served item
            results: list[dict] = [{}] * len(items)
            # In key order (stable: a key sent twice is made by its first item): two batches that share keys take
            # their unique-key locks in the same order and wait for each other instead of deadlocking.
            order = sorted(range(len(items)), key=lambda number: str(items[number]["idempotency_key"]))
            for start in range(0, len(order), GROUP):
                group = order[start : start + GROUP]
                done = _group(group, items, batch=batch, actor=actor, files=files, calendar=calendar, stored=stored)
                for index in group:
                    results[index] = done.get(index) or _one(
                        index, items[index], batch=batch, actor=actor, files=files, calendar=calendar, stored=stored
                    )
            del shared
    except BaseException:
        for key in stored:
            documents.forget_object(key)
        raise
    return {"items": results}


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
    # The courts with their webhook subscriptions (one statement), and what routing reads about each recipient
    # (consents, address act, agents; the calendar's version with them): one statement each for the whole batch.
    rows += delivery_outbox.read_courts(court_ids)
    recipient_facts.prefetch(row for row in rows if isinstance(row, CaseParty))
    return rows


# Items per SAVEPOINT when all goes well: 100 items (the most a batch may hold) take 7 subtransactions, not 100
# (PostgreSQL caches 64 per transaction; past that, every other session's snapshot consults pg_subtrans).
GROUP = 16


def _group(
    group: list[int],
    items: list[dict],
    *,
    batch: transactions.OneTransaction,
    actor: Principal,
    files: Mapping[str, IO[bytes]],
    calendar: Callable[[], dict],
    stored: list[str],
) -> dict[int, dict]:
    """Push these items together in one SAVEPOINT; {} when one of them is refused or rolls back (nothing of the
    group is kept, its stored objects are deleted, and the caller pushes each item in a SAVEPOINT of its own)."""
    if len(group) < 2 or any(item_file(items[index], files) is False for index in group):
        return {}
    mine: list[str] = []
    done: dict[int, dict] = {}
    try:
        # The group's rows are flushed together at its end, the documents first (their events refer to them);
        # nothing inside may autoflush meanwhile.
        with batch.group(first=(ServedDocument,)), db.session.no_autoflush:
            for index in group:
                item = items[index]
                stream = files.get(item["file"]) if item.get("file") else None
                if stream is not None:
                    stream.seek(0)  # two items may name the same part
                pushed = documents.push(
                    actor=actor,
                    meta=item["meta"],
                    stream=stream,
                    submission_key=item["idempotency_key"],
                    calendar=calendar,
                    stored=mine,
                )
                status = 200 if pushed["replayed"] else 201
                result = {"index": index, "idempotency_key": item["idempotency_key"], "error": None}
                done[index] = {**result, "status": status, "document": pushed}
    except (AppError, IntegrityError, transactions.Regroup):  # a raced or reused key conflicts at the group's flush
        for key in mine:
            documents.forget_object(key)
        return {}
    except BaseException:
        stored += mine
        raise
    stored += mine
    return done


def item_file(item: dict, files: Mapping[str, IO[bytes]]) -> IO[bytes] | bool | None:
    """The item's multipart part, None when it names none, False when it names one that was not sent."""
    if not item.get("file"):
        return None
    return files.get(item["file"]) or False


def _one(
    index: int,
    item: dict,
    *,
    batch: transactions.OneTransaction,
    actor: Principal,
    files: Mapping[str, IO[bytes]],
    calendar: Callable[[], dict],
    stored: list[str],
) -> dict:
    result = {"index": index, "idempotency_key": item["idempotency_key"], "document": None, "error": None}
    stream = files.get(item["file"]) if item.get("file") else None
    if item.get("file") and stream is None:
        error = ValidationFailed(errors={"file": [f"No multipart part named {item['file']!r}."]})
        return {**result, "status": error.http_status, "error": _error(error)}
    if stream is not None:
        stream.seek(0)  # two items may name the same part
    mine: list[str] = []  # the object this item stores, deleted with the item if it does not land
    try:
        with batch.item():  # its own SAVEPOINT: a refusal rolls back this item's writes only
            pushed = documents.push(
                actor=actor,
                meta=item["meta"],
                stream=stream,
                submission_key=item["idempotency_key"],
                calendar=calendar,
                stored=mine,
            )
    except AppError as exc:
        for key in mine:
            documents.forget_object(key)
        return {**result, "status": exc.http_status, "error": _error(exc)}
    except BaseException:
        stored += mine
        raise
    stored += mine
    return {**result, "status": 200 if pushed["replayed"] else 201, "document": pushed}


def _error(exc: AppError) -> dict:
    return {"code": exc.http_status, "reason": exc.reason, "message": exc.message, "errors": exc.errors}
