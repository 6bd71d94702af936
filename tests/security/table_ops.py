"""Authorization rows for statistics."""

from tests.security.routes import ADMIN, PUBLIC, Route, _p

ROUTES = [
    Route("GET", f"{PUBLIC}/stats", "public", public_status=200),
    Route(
        "GET",
        "/api/court/v1/stats",
        "any",
        frozenset({"clerk", "judge", "machine"}),
        query=lambda w: {"court_id": str(w.court.id)},
    ),
    Route(
        "GET",
        "/api/admin/v1/orgs/<uuid:org_id>/stats",
        "user",
        ADMIN | {"org_admin"},
        _p("/orgs/{w.org.id}/stats"),
        gate="org_manager",
    ),
]
