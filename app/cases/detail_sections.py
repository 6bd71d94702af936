"""Parts of a case's detail that other domains own (next session, deadlines, counts of evidence and documents).

The cases domain sits below scheduling, mediation, evidence and documents, so it never imports them: each of
them provides its part here, and `app.wiring` connects the providers once when the app is created.

A count is provided as a column (a scalar subquery with the bound parameters `case_id` and `party_ids`, the
caller's parties as `permissions.parties_of` gives them), so the detail reads every count, with the caller's
consents, in one statement (issue 18); a provider returns None for a count that is 0 for this caller without
asking the database. Providers build each shape of column once (bound parameters), not per call.

A section may be read in that statement too: its provider answers with a `Read` (columns, built once, from outer
joins of at most one row each, and how the section's value comes from their values) instead of the value, so the
next session and the deadlines cost no statement of their own (issue 18, session 10).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement

from app.security.permissions import CaseFacts, Principal

# The case as the detail holds it: the Case row (after a write) or its columns (`app.cases.queries`' read), with
# at least the attributes of `app.cases.queries.CASE_COLUMNS`.
Provider = Callable[[Any, CaseFacts, Principal], Any]
CountColumn = Callable[[CaseFacts, Principal], ColumnElement[int] | None]

_providers: dict[str, Provider] = {}
_counts: dict[str, CountColumn] = {}
COUNTS = ("evidence", "documents")  # the detail's `counts`, in this order


@dataclasses.dataclass(frozen=True, eq=False)
class Fold:
    """What a section reads in the detail's shared statement, built once by its provider: `columns`, from `joins`
    (each an outer join (target, on clause) that finds at most one row) or scalar subqueries, with the bound
    parameter `case_id` and the Read's own `parameters`. Statements are built once per set of Folds (by identity)."""

    columns: tuple[Any, ...]  # column expressions (ORM attributes of an aliased target, scalar subqueries)
    joins: tuple[tuple[Any, ColumnElement[bool]], ...] = ()  # (an aliased entity or a FromClause, on clause)


@dataclasses.dataclass(frozen=True)
class Read:
    """A provider's answer when its section is read with the detail's shared statement: the Fold, the section's
    value from the Fold's column values (in order), and the bound parameters it needs besides `case_id`."""

    fold: Fold
    value: Callable[[Sequence[Any]], Any]
    parameters: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def provide(name: str, provider: Provider) -> None:
    """Register (or replace) the provider of one section of the detail."""
    _providers[name] = provider


def section(name: str, case: Any, facts: CaseFacts, actor: Principal) -> Any:
    """The section for this caller: its value, or a `Read` to fold into the detail's shared statement; a section
    nobody provides is an error of wiring, not of input."""
    try:
        provider = _providers[name]
    except KeyError:
        raise RuntimeError(f"case detail section {name!r} has no provider: was app.wiring.connect() called?") from None
    return provider(case, facts, actor)


def provide_count(name: str, column: CountColumn) -> None:
    """Register (or replace) the column of one of the detail's counts (one of COUNTS)."""
    _counts[name] = column


def count_columns(facts: CaseFacts, actor: Principal) -> dict[str, ColumnElement[int] | None]:
    """Each count's column for this caller (None: 0 without a statement), in the order of COUNTS."""
    missing = [name for name in COUNTS if name not in _counts]
    if missing:
        raise RuntimeError(f"case detail counts {missing} have no provider: was app.wiring.connect() called?")
    return {name: _counts[name](facts, actor) for name in COUNTS}
