"""What other domains do after a litigation step (closed, effective, appeal filed ...): a registry of hooks.

Litigation sits below fees and payments, so it cannot halve a fee or issue an appeal fee notice itself; those
packages register a hook here and `app.wiring` connects it once. `signals.announce` runs the hooks for every step
inside the caller's transaction, so what a hook writes commits (or rolls back) with the step that caused it.
Hooks run in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Callable

from app.cases import Case
from app.security.permissions import Principal

# (case, the step's event type, the step's data (ids, states, the closing method), who acted or None)
Hook = Callable[[Case, str, dict, Principal | None], object]

_hooks: dict[str, Hook] = {}


def register(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = hook


def run(case: Case, event_type: str, data: dict, actor: Principal | None) -> None:
    """Run every hook for a step just taken (the caller commits)."""
    for hook in list(_hooks.values()):
        hook(case, event_type, data, actor)
