"""Keyset (cursor) pagination: the cost of a page does not grow with the table."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Select, bindparam, or_, select

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
    """One branch of `newest_first_merged`, built once: newest first by (at, id), limited to the bound
    `page_limit`, and, when `after`, restricted to the rows after the bound cursor (`after_at`, `after_id`)."""
    if after:
        at = bindparam("after_at", type_=at_column.type)
        row_id = bindparam("after_id", type_=id_column.type)
        query = query.where(or_(at_column < at, (at_column == at) & (id_column < row_id)))
    return query.order_by(at_column.desc(), id_column.desc()).limit(bindparam("page_limit", type_=Integer))


def rows_by_id(model: Any, id_column: Any) -> Select:
    """The statement that loads a merged page's rows, built once: `model` rows whose id is in the bound `ids`."""
    return select(model).where(id_column.in_(bindparam("ids", expanding=True)))


def newest_first_merged(
    branches: Sequence[Select],
    load: Select,
    parameters: dict[str, Any],
    *,
    cursor: str | None,
    limit: int | None,
) -> Page:
    """Newest first over the union of several selections of one model, each an index-friendly top-N.

    `branches` select the rows' (at, id) pairs, each through its own index (a user's cases as a party, as
    an agent, as a mediator, a court's cases...), built once by `merged_branch` (with `after` when there is a
    cursor) and run with `parameters`. Every branch has the cursor predicate, the order and a limit of one page
    plus one; the pairs are merged and de-duplicated here, and only the page's rows are loaded by `load`
    (`rows_by_id`). One OR over all the relations would make PostgreSQL read and sort every matching row.
    """
    size = clamp_limit(limit)
    bound = {**parameters, "page_limit": size + 1}
    if cursor:
        bound["after_at"], bound["after_id"] = decode_cursor(cursor)
    pairs: dict[Any, Any] = {}
    for branch in branches:
        for at_value, row_id in db.session.execute(branch, bound):
            pairs[row_id] = at_value
    ordered = sorted(pairs.items(), key=lambda pair: (pair[1], pair[0]), reverse=True)[: size + 1]
    more = len(ordered) > size
    wanted = [row_id for row_id, _at in ordered[:size]]
    loaded = {row.id: row for row in db.session.scalars(load, {"ids": wanted})} if wanted else {}
    rows = [loaded[row_id] for row_id in wanted if row_id in loaded]
    next_cursor = encode_cursor(ordered[size - 1][1], ordered[size - 1][0]) if more else None
    return Page(items=rows, next_cursor=next_cursor)
