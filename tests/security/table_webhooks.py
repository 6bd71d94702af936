"""Authorization rows for managing a webhook subscription: change, delete, rotate the secret.

Each call gets a fresh subscription of the world court (a delete or a pause must not change what the next
principal sees). Only the court's clerk and its court system manage it; everyone else, the other court's
clerk and system included, gets the 404 of a subscription that does not exist.
"""

from __future__ import annotations

from app.security.permissions import Principal
from app.webhooks import subscriptions as webhook_subscriptions
from tests.security.routes import COURT, Route
from tests.security.world import NONEXISTENT, World

MANAGERS = frozenset({"clerk", "machine"})
RULE = f"{COURT}/webhooks/<uuid:webhook_id>"


def _fresh(w: World) -> str:
    system = Principal(kind="machine", subject="table-webhooks", court_roles={w.court.id: frozenset({"court_system"})})
    created = webhook_subscriptions.subscribe(
        actor=system, url="http://127.0.0.1:9/hooks/microcourt", events=["*"], court_id=None
    )
    return str(created["webhook_id"])


ROUTES = [
    Route("PATCH", RULE, "any", MANAGERS, lambda w: f"/webhooks/{_fresh(w)}", lambda w: {"active": False}),
    Route("DELETE", RULE, "any", MANAGERS, lambda w: f"/webhooks/{_fresh(w)}"),
    Route("POST", f"{RULE}/rotate-secret", "any", MANAGERS, lambda w: f"/webhooks/{_fresh(w)}/rotate-secret"),
]

NONEXISTENT_PATHS = {
    RULE: f"/webhooks/{NONEXISTENT}",
    f"{RULE}/rotate-secret": f"/webhooks/{NONEXISTENT}/rotate-secret",
}
