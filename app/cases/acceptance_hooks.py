"""What other domains do when a court accepts a litigation filing (立案), or when a case is filed: registries of
hooks (fees issues its notice to pay at acceptance, or at filing where the court asks for prepayment).

Cases sits below fees, so it cannot issue the fee notice itself; fees registers its hook here and `app.wiring`
connects it once. `review.accept` runs the hooks inside its transaction, after the case number is set, so what
they write commits (or rolls back) with the acceptance.
"""

from __future__ import annotations

from collections.abc import Callable

from app.cases.models import Case
from app.security.permissions import Principal

# (the accepted case, who accepted it); what a hook returns is ignored
Hook = Callable[[Case, Principal], object]

_hooks: dict[str, Hook] = {}
_filed_hooks: dict[str, Hook] = {}


def register(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = hook


def case_accepted(case: Case, actor: Principal) -> None:
    """Run every hook for a case just accepted (the caller commits)."""
    for hook in list(_hooks.values()):
        hook(case, actor)


def register_filed(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name` for a case just filed."""
    _filed_hooks[name] = hook


def case_filed(case: Case, actor: Principal) -> None:
    """Run every hook for a case just filed, in the filing's transaction (the caller commits)."""
    for hook in list(_filed_hooks.values()):
        hook(case, actor)
