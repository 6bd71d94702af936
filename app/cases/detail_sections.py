"""Parts of a case's detail that other domains own (next session, deadlines, counts of evidence and documents).

The cases domain sits below scheduling, mediation, evidence and documents, so it never imports them: each of
them provides its part here, and `app.wiring` connects the providers once when the app is created.

A count is provided as a column (a scalar subquery with the bound parameters `case_id` and `party_ids`, the
caller's parties as `permissions.parties_of` gives them), so the detail reads every count, with the caller's
consents, in one statement (issue 18); a provider returns None for a count that is 0 for this caller without
asking the database. Providers build each shape of column once (bound parameters), not per call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement

from app.cases.models import Case
from app.security.permissions import CaseFacts, Principal

Provider = Callable[[Case, CaseFacts, Principal], Any]
CountColumn = Callable[[CaseFacts, Principal], ColumnElement[int] | None]

_providers: dict[str, Provider] = {}
_counts: dict[str, CountColumn] = {}
COUNTS = ("evidence", "documents")  # the detail's `counts`, in this order


def provide(name: str, provider: Provider) -> None:
    """Register (or replace) the provider of one section of the detail."""
    _providers[name] = provider


def section(name: str, case: Case, facts: CaseFacts, actor: Principal) -> Any:
    """The section's value for this caller; a section nobody provides is an error of wiring, not of input."""
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
