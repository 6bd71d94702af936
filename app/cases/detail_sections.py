"""Parts of a case's detail that other domains own (next session, deadlines, counts of evidence and documents).

The cases domain sits below scheduling, mediation, evidence and documents, so it never imports them: each of
them provides its part here, and `app.wiring` connects the providers once when the app is created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.cases.models import Case
from app.security.permissions import CaseFacts, Principal

Provider = Callable[[Case, CaseFacts, Principal], Any]

_providers: dict[str, Provider] = {}


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
