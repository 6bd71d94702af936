"""psycopg cursors that describe their result's columns when asked, not after every statement.

psycopg's `Cursor.description` builds a `Column` per column (its name decoded, its type looked up) each time it is
read, and SQLAlchemy reads it after every statement only to see whether rows came back: the columns themselves are
needed only for a statement whose result layout SQLAlchemy has not cached yet. About 1.5 us per column, so 23
columns for a request's authentication and 84 for a case's detail (issue 18, session 11). This cursor answers the
same: None when the result has no rows, else a list of the same `Column` objects, made on first use of the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import pq
from psycopg._column import Column

_ROWS = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)


class _Described:
    """What `Column` reads of a cursor, kept for the result the description was asked of."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor[Any], result: pq.abc.PGresult) -> None:
        self.pgresult, self._encoding, self.adapters = result, cursor._encoding, cursor.adapters


class Columns(list[Column]):
    """A result's columns as psycopg lists them, made when the list is first looked into."""

    __slots__ = ("_source",)

    def __init__(self, source: _Described) -> None:
        super().__init__()
        self._source: _Described | None = source

    def _made(self) -> Columns:
        source = self._source
        if source is not None:
            self._source = None
            list.extend(self, [Column(source, index) for index in range(source.pgresult.nfields)])  # type: ignore[arg-type]
        return self

    def __bool__(self) -> bool:
        return bool(self._source.pgresult.nfields) if self._source is not None else list.__len__(self) > 0

    def __len__(self) -> int:
        return list.__len__(self._made())

    def __iter__(self) -> Iterator[Column]:
        return list.__iter__(self._made())

    def __reversed__(self) -> Iterator[Column]:
        return list.__reversed__(self._made())

    def __getitem__(self, index: Any) -> Any:
        return list.__getitem__(self._made(), index)

    def __contains__(self, item: object) -> bool:
        return list.__contains__(self._made(), item)

    def __eq__(self, other: object) -> bool:
        return list.__eq__(self._made(), other)

    def __ne__(self, other: object) -> bool:
        return list.__ne__(self._made(), other)

    def __repr__(self) -> str:
        return list.__repr__(self._made())

    def index(self, *args: Any) -> int:
        return list.index(self._made(), *args)

    def count(self, item: Any) -> int:
        return list.count(self._made(), item)

    def copy(self) -> list[Column]:
        return list(self._made())

    __hash__ = None  # a list's


class Cursor(psycopg.Cursor[Any]):
    """psycopg's client cursor, with `description` made on demand (`connect_args={"cursor_factory": Cursor}`)."""

    @property
    def description(self) -> list[Column] | None:
        """psycopg's answer: None when the current result has no rows, else its columns (made when looked at)."""
        result = self.pgresult
        if result and (result.nfields or result.status in _ROWS):
            return Columns(_Described(self, result))
        return None
