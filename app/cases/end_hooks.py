"""What other domains do when a case ends (settled, failed, withdrawn, rejected ...): a registry of hooks.

Cases sits below scheduling, so it cannot cancel a case's sessions itself; scheduling registers its hook here
and `app.wiring` connects it once. `lifecycle.transition` runs the hooks inside the caller's transaction, so
the cancellations commit (or roll back) with the status change that caused them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from app.cases.models import Case
from app.extensions import db
from app.security.permissions import Principal

# (case, the state it reached, who caused it or None for the system); what a hook returns is ignored
Hook = Callable[[Case, str, Principal | None], object]

# The states after which nothing is left to meet about: a settled mediation may still go to the court for
# confirmation, but not to another session.
ENDED: dict[str, frozenset[str]] = {
    "mediation": frozenset({"settled", "failed", "withdrawn", "confirmed", "confirmation_rejected"}),
    "litigation": frozenset({"rejected", "withdrawn", "adjudicated", "appealed", "effective", "closed"}),
}

_hooks: dict[str, Hook] = {}
_ENDING = "cases.ending"  # in the session's info: the ids of the cases whose end hooks are running


def register(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = hook


def has_ended(kind: str, status: str) -> bool:
    """Whether a case of this kind in this state has ended."""
    return status in ENDED.get(kind, frozenset())


def case_ended(case: Case, status: str, actor: Principal | None) -> None:
    """Run every hook for a case that just reached an end state (the caller commits), in the order registered."""
    ending = db.session.info.setdefault(_ENDING, set())
    ending.add(case.id)
    try:
        for hook in list(_hooks.values()):
            hook(case, status, actor)
    finally:
        ending.discard(case.id)


def is_ending(case_id: uuid.UUID) -> bool:
    """Whether this case's end hooks are running now (a hook registered later will still see the case)."""
    return case_id in db.session.info.get(_ENDING, ())
