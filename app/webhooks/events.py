"""The event types a court system may subscribe to, registered by the domains that announce them."""

from __future__ import annotations

from collections.abc import Iterable

_TYPES: set[str] = set()


def register(types: Iterable[str]) -> None:
    """Make these event types subscribable (a domain calls this when its module is imported)."""
    _TYPES.update(types)


def known() -> frozenset[str]:
    """Every subscribable event type."""
    return frozenset(_TYPES)
