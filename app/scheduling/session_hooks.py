"""What other domains do when a session stops being held as booked: a registry of hooks.

Scheduling sits below video, so it cannot close a session's video room itself; video registers its hook here and
`app.wiring` connects it once. A hook runs inside the caller's transaction (after the session's own change), with
what happened:

- "cancelled": the mediator or the court cancelled it, or its case ended (`cancel_for_ended_case`);
- "rescheduled": it moved to another time, or its mode changed (the room of the old booking is done with).

What a hook returns is ignored; a hook that must talk to an outside service does so after the commit (a job).
"""

from __future__ import annotations

from collections.abc import Callable

from app.cases import Case
from app.scheduling.models import MediationSession
from app.security.permissions import Principal

CHANGES = ("cancelled", "rescheduled")

# (case, session, what happened, who did it or None for the system)
Hook = Callable[[Case, MediationSession, str, Principal | None], object]

_hooks: dict[str, Hook] = {}


def register(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = hook


def session_changed(case: Case, session: MediationSession, change: str, actor: Principal | None) -> None:
    """Run every hook for a session that was cancelled or moved (the caller commits)."""
    for hook in list(_hooks.values()):
        hook(case, session, change, actor)
