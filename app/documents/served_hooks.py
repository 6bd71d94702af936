"""What other domains do when a document becomes served (deemed service): a registry of hooks.

Documents sits below litigation, so it cannot move a case to `adjudicated` when a judgment is served; litigation
registers its hook here and `app.wiring` connects it once. `delivery.served` runs the hooks inside the caller's
transaction, so what they change commits (or rolls back) with the service that caused it.
"""

from __future__ import annotations

from collections.abc import Callable

from app.cases import Case
from app.documents.models import ServedDocument

# (the case, the document just served); what a hook returns is ignored
Hook = Callable[[Case, ServedDocument], object]

_hooks: dict[str, Hook] = {}


def register(name: str, hook: Hook) -> None:
    """Register (or replace) the hook called `name`."""
    _hooks[name] = hook


def document_served(case: Case, document: ServedDocument) -> None:
    """Run every hook for a document that just became served (the caller commits)."""
    for hook in list(_hooks.values()):
        hook(case, document)
