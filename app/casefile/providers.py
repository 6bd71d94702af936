"""Materials of a case file that other domains own (today the frozen minutes, 笔录, of the case's sessions).

The case file stands below the domains that provide such materials (video sits above scheduling and mediation),
so it never imports them: each registers a provider here, and `app.wiring` connects them once when the app is
created. A provider answers, for a case and the requester (already allowed to have the case's file), the items
the archive must hold: JSON-safe dicts with at least `id`, `key` (the blob), `title`, `origin`, `date`, `size`
and `sha256`; the archive puts them in the provider's folder with the provider's kind in the index.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from app.cases import Case
from app.security.permissions import Principal

Provider = Callable[[Case, Principal], list[dict]]


@dataclasses.dataclass(frozen=True)
class Section:
    """One provided part of the case file: its name (the manifest's key), the archive folder and index kind."""

    name: str
    folder: str
    kind: str
    provider: Provider


_sections: dict[str, Section] = {}
RESERVED = frozenset({"case_id", "full", "evidence", "documents", "timeline", "case"})


def register(name: str, provider: Provider, *, folder: str, kind: str | None = None) -> None:
    """Register (or replace) the provider of one part of the case file; its name is a key of the manifest."""
    if name in RESERVED:
        raise ValueError(f"case file part {name!r} would shadow the manifest's own key")
    _sections[name] = Section(name=name, folder=folder, kind=kind or name, provider=provider)


def sections() -> list[Section]:
    """Every registered part, in registration order."""
    return list(_sections.values())


def section(name: str) -> Section | None:
    """The registered part of this name (a manifest written before a provider was removed may name one no more)."""
    return _sections.get(name)


def items(case: Case, viewer: Principal) -> dict[str, list[dict]]:
    """Every registered part's items for this requester, by the part's name."""
    return {s.name: list(s.provider(case, viewer)) for s in _sections.values()}
