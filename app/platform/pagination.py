"""Keyset (cursor) pagination: the cost of a page does not grow with the table."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Select, bindparam, or_, select, union_all
from sqlalchemy.orm import Bundle

from app.errors import ValidationFailed
from app.extensions import db
from app.platform import settings


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of results and the cursor of the next one (None on the last page)."""

    items: list[Any]
    next_cursor: str | None


def clamp_limit(limit: int | None) -> int:
    """The requested page size within 1..PAGE_LIMIT_MAX (default PAGE_LIMIT_DEFAULT)."""
    config = settings.http()
    return max(1, min(limit or config.page_limit_default, config.page_limit_max))


def encode_cursor(at: dt.datetime, row_id: uuid.UUID) -> str:
    """An opaque cursor for the position after (at, id)."""
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    """Read a cursor back; a malformed one is a 422 on the `cursor` field."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        # Only the shape encode_cursor writes: two strings. A forged one (an integer id, nested lists) is
        # refused here rather than failing inside uuid or datetime with an error that is not a ValueError.
        if not (isinstance(decoded, list) and len(decoded) == 2 and all(isinstance(part, str) for part in decoded)):
            raise ValueError("not a cursor")
        parsed = dt.datetime.fromisoformat(decoded[0])
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ValueError("naive")
        return parsed.astimezone(dt.UTC), uuid.UUID(decoded[1])  # OverflowError at year 1 or 9999 with an offset
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise ValidationFailed(errors={"cursor": ["Not a cursor this API issued."]}) from None


def _after(query: Select, cursor: str | None, *, at_column: Any, id_column: Any, newest: bool) -> Select:
    """`query` restricted to the rows that come after `cursor` in (at, id) order."""
    if not cursor:
        return query
    at, row_id = decode_cursor(cursor)
    if newest:
        return query.where(or_(at_column < at, (at_column == at) & (id_column < row_id)))
    return query.where(or_(at_column > at, (at_column == at) & (id_column > row_id)))


def _page(rows: list[Any], size: int, *, at_column: Any, id_column: Any) -> Page:
    """One page of `size` from `size + 1` fetched rows; the cursor points after its last row if more exist."""
    if len(rows) <= size:
        return Page(items=rows, next_cursor=None)
    last = rows[size - 1]
    cursor = encode_cursor(getattr(last, at_column.key), getattr(last, id_column.key))
    return Page(items=rows[:size], next_cursor=cursor)


def newest_first(query: Select, *, at_column: Any, id_column: Any, cursor: str | None, limit: int | None) -> Page:
    """Run `query` newest first by (at, id), starting after `cursor`."""
    size = clamp_limit(limit)
    query = _after(query, cursor, at_column=at_column, id_column=id_column, newest=True)
    rows = list(db.session.scalars(query.order_by(at_column.desc(), id_column.desc()).limit(size + 1)))
    return _page(rows, size, at_column=at_column, id_column=id_column)


def oldest_first(query: Select, *, at_column: Any, id_column: Any, cursor: str | None, limit: int | None) -> Page:
    """Run `query` oldest first by (at, id), starting after `cursor` (work queues: the longest waiting on top)."""
    size = clamp_limit(limit)
    query = _after(query, cursor, at_column=at_column, id_column=id_column, newest=False)
    rows = list(db.session.scalars(query.order_by(at_column.asc(), id_column.asc()).limit(size + 1)))
    return _page(rows, size, at_column=at_column, id_column=id_column)


def merged_branch(query: Select, *, at_column: Any, id_column: Any, after: bool) -> Select:
    """One branch of `merged_page`, built once: newest first by (at, id), limited to the bound
    `page_limit`, and, when `after`, restricted to the rows after the bound cursor (`after_at`, `after_id`)."""
    if after:
        at = bindparam("after_at", type_=at_column.type)
        row_id = bindparam("after_id", type_=id_column.type)
        query = query.where(or_(at_column < at, (at_column == at) & (id_column < row_id)))
    return query.order_by(at_column.desc(), id_column.desc()).limit(bindparam("page_limit", type_=Integer))


def merged_page(branches: Sequence[Select], bundle: Bundle, *, at_column: Any, id_column: Any) -> Select:
    """One statement for `newest_first_page`, built once: the union of `branches` (each built by `merged_branch`,
    selecting (at, id) pairs of one table through its own index), de-duplicated, newest first, cut to the bound
    `page_limit`, and joined back to that table for the listed `bundle` of its columns, with the (at, id) pair.

    One OR over all the relations would make PostgreSQL read and sort every matching row; each branch's own top-N
    keeps the cost to a page per relation.
    """
    tops = [branch.subquery(f"relation_{number}") for number, branch in enumerate(branches)]
    related = union_all(*(select(top.c[at_column.key], top.c[id_column.key]) for top in tops)).subquery("related")
    newest = (
        select(related.c[at_column.key], related.c[id_column.key])
        .distinct()
        .order_by(related.c[at_column.key].desc(), related.c[id_column.key].desc())
        .limit(bindparam("page_limit", type_=Integer))
        .subquery("page")
    )
    return (
        select(newest.c[at_column.key], newest.c[id_column.key], bundle)
        .join_from(newest, id_column.table, id_column == newest.c[id_column.key])
        .order_by(newest.c[at_column.key].desc(), newest.c[id_column.key].desc())
    )


def newest_first_page(statement: Select, parameters: dict[str, Any], *, cursor: str | None, limit: int | None) -> Page:
    """Run a `merged_page` statement with `parameters`: one page of its bundles, newest first, after `cursor`."""
    size = clamp_limit(limit)
    bound = {**parameters, "page_limit": size + 1}
    if cursor:
        bound["after_at"], bound["after_id"] = decode_cursor(cursor)
    rows = db.session.execute(statement, bound).all()
    more = len(rows) > size
    next_cursor = encode_cursor(rows[size - 1][0], rows[size - 1][1]) if more else None
    return Page(items=[row[2] for row in rows[:size]], next_cursor=next_cursor)
