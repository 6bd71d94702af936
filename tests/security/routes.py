"""THE authorization table: every route, who may call it, and how to call it. A new route must be added here.

auth: "public" (no token), "user" (a person's token), "machine" (a court system's), "any" (either).
gate: who may call the route at all (function level, checked before the body is read): GATES names the world's
principals each gate lets through and the one status every other caller gets. A row that names none has its
audience's: court routes are for court staff and court systems, admin routes for platform admins, mini-program
routes for any person.
allowed: the principals for whom the call succeeds; every other authenticated principal of the right kind that
passes the gate gets 404 (not yours looks like does not exist), the wrong kind and anonymous get 401.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

from app.security.idcard import check_digit
from tests.security.world import NONEXISTENT, PRINCIPALS, World
from tests.support.cases import filing

_licences = itertools.count(1)
USERS = frozenset(p for p in PRINCIPALS if p not in {"anonymous", "machine", "other_machine"})
ADMIN = frozenset({"platform_admin"})
CASE_READERS = frozenset({"citizen", "clerk", "judge", "org_admin"})
COURT_STAFF = frozenset({"clerk", "other_clerk", "judge", "machine", "other_machine"})
DOCUMENT_SERVERS = COURT_STAFF - {"judge"}
ORG_MANAGERS = frozenset({"platform_admin", "org_admin", "other_org_admin"})

# gate -> (the principals it lets through, the status of everyone else)
GATES: dict[str, tuple[frozenset[str], int]] = {
    "any": (frozenset(PRINCIPALS), 0),
    "court_staff": (COURT_STAFF, 403),
    "discloser": (COURT_STAFF | {"mediator"}, 404),  # answered like an unknown case
    "document_server": (DOCUMENT_SERVERS, 403),
    "hotline_operator": (frozenset({"hotline_operator"}), 404),
    "platform_admin": (ADMIN, 404),
    "org_manager": (ORG_MANAGERS, 404),
    "mediator": (frozenset({"mediator"}), 403),
}
AUDIENCE_GATES = {"mp": "any", "court": "court_staff", "admin": "platform_admin", "public": "any"}


@dataclasses.dataclass(frozen=True)
class Route:
    """One row of the table."""

    method: str
    rule: str
    auth: str
    allowed: frozenset[str] = frozenset()
    path: Callable[[World], str] | None = None
    body: Callable[[World], dict] | None = None
    public_status: int | None = None  # for public routes: the status of the call below
    query: dict | None = None
    special: dict[str, int] = dataclasses.field(default_factory=dict)  # principal -> a documented other answer
    gate: str | None = None  # a key of GATES; None: the audience's

    @property
    def gate_name(self) -> str:
        """The gate this route sits behind."""
        return self.gate or AUDIENCE_GATES[self.rule.split("/")[2]]

    def refused_by_gate(self, principal: str) -> int | None:
        """The status the gate answers this principal, or None when it lets them through."""
        passing, status = GATES[self.gate_name]
        return None if principal in passing else status


def _id_number() -> str:
    body = f"11010519800101{next(_licences) % 1000:03d}"
    return body + check_digit(body)


def _p(template: str) -> Callable[[World], str]:
    return lambda w: template.format(w=w)


def _member(w: World) -> dict:
    return {"user_id": str(w.target_user.id), "role": "clerk"}


def _org_member(w: World) -> dict:
    return {"user_id": str(w.target_user.id), "role": "mediator"}


MP, COURT, ADMIN_P, PUBLIC = "/api/mp/v1", "/api/court/v1", "/api/admin/v1", "/api/public/v1"

TABLE: list[Route] = [
    # public
    Route("GET", f"{PUBLIC}/healthz", "public", public_status=200),
    Route("GET", f"{PUBLIC}/readyz", "public", public_status=200),
    Route("POST", f"{PUBLIC}/storage/uploads", "public", public_status=422, body=lambda w: {}),
    Route(
        "GET",
        f"{PUBLIC}/storage/objects",
        "public",
        public_status=403,
        query={"key": "a", "exp": "1", "name": "n", "type": "t", "sig": "bad"},
    ),
    Route("POST", f"{MP}/auth/wechat", "public", public_status=422, body=lambda w: {}),
    Route("POST", f"{MP}/auth/sms/send", "public", public_status=202, body=lambda w: {"phone": "13700001111"}),
    Route(
        "POST",
        f"{MP}/auth/sms/verify",
        "public",
        public_status=401,
        body=lambda w: {"phone": "13700001111", "code": "000000"},
    ),
    Route(
        "POST", f"{MP}/auth/refresh", "public", public_status=401, body=lambda w: {"refresh_token": "rt_" + "x" * 40}
    ),
    Route("GET", f"{MP}/dev/sms-outbox", "public", public_status=200, query={"phone": "13700001111"}),
    Route(
        "POST",
        f"{COURT}/auth/token",
        "public",
        public_status=401,
        body=lambda w: {"client_id": "mc_x", "client_secret": "nope"},
    ),
    # the caller's own account
    Route("POST", f"{MP}/auth/logout", "user", USERS),
    Route("GET", f"{MP}/me", "user", USERS),
    Route("POST", f"{MP}/me/phone", "user", frozenset(), body=lambda w: {}),  # 422 for all: no proof sent
    Route(
        "POST",
        f"{MP}/me/lawyer-profile",
        "user",
        USERS - {"lawyer"},
        special={"lawyer": 409},
        body=lambda w: {
            "license_number": f"1330220{next(_licences):010d}",
            "law_firm": "某律所",
            "practice_region": "浙江省",
        },
    ),
    Route(
        "POST", f"{MP}/me/verification", "user", USERS, body=lambda w: {"real_name": "李四", "id_number": _id_number()}
    ),
    Route("POST", f"{MP}/me/subscriptions", "user", USERS, body=lambda w: {"template_id": "tpl-1", "accepted": True}),
    Route("PUT", f"{MP}/me/language", "user", USERS, body=lambda w: {"language": "en"}),
    Route("GET", f"{COURT}/whoami", "any", USERS | {"machine", "other_machine"}, gate="any"),
    # cases (the world's case: a mediation filed by "citizen" at court and org)
    Route("POST", f"{MP}/cases", "user", USERS, body=lambda w: filing(org=w.org)),
    Route("GET", f"{MP}/cases", "user", USERS),
    Route("GET", f"{MP}/cases/<uuid:case_id>", "user", CASE_READERS, _p("/cases/{w.case.id}")),
    Route("GET", f"{MP}/cases/<uuid:case_id>/timeline", "user", CASE_READERS, _p("/cases/{w.case.id}/timeline")),
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/withdraw",
        "user",
        frozenset({"citizen"}),
        _p("/cases/{w.case.id}/withdraw"),
        lambda w: {"reason": "不再需要"},
        special={"clerk": 403, "judge": 403, "org_admin": 403},
    ),
    # administration
    Route(
        "POST",
        f"{ADMIN_P}/courts",
        "user",
        ADMIN,
        body=lambda w: {"code": "浙9999", "name": "测试法院", "region": "浙江省"},
    ),
    Route(
        "POST",
        f"{ADMIN_P}/orgs",
        "user",
        ADMIN,
        body=lambda w: {"name": "某调委会", "org_type": "peoples_committee", "region": "浙江省"},
    ),
    Route(
        "PUT", f"{ADMIN_P}/courts/<uuid:court_id>/members", "user", ADMIN, _p("/courts/{w.court.id}/members"), _member
    ),
    Route(
        "POST",
        f"{ADMIN_P}/courts/<uuid:court_id>/members/remove",
        "user",
        ADMIN,
        _p("/courts/{w.court.id}/members/remove"),
        _member,
    ),
    Route(
        "PUT",
        f"{ADMIN_P}/orgs/<uuid:org_id>/members",
        "user",
        ADMIN | {"org_admin"},
        _p("/orgs/{w.org.id}/members"),
        _org_member,
        gate="org_manager",
    ),
    Route(
        "POST",
        f"{ADMIN_P}/orgs/<uuid:org_id>/members/remove",
        "user",
        ADMIN | {"org_admin"},
        _p("/orgs/{w.org.id}/members/remove"),
        _org_member,
        gate="org_manager",
    ),
    Route(
        "PUT",
        f"{ADMIN_P}/users/<uuid:user_id>/roles",
        "user",
        ADMIN,
        _p("/users/{w.target_user.id}/roles"),
        lambda w: {"role": "hotline_operator"},
    ),
    Route(
        "POST",
        f"{ADMIN_P}/users/<uuid:user_id>/roles/remove",
        "user",
        ADMIN,
        _p("/users/{w.target_user.id}/roles/remove"),
        lambda w: {"role": "hotline_operator"},
    ),
    Route(
        "PUT",
        f"{ADMIN_P}/users/<uuid:user_id>/status",
        "user",
        ADMIN,
        _p("/users/{w.target_user.id}/status"),
        lambda w: {"active": False},
    ),
    Route("GET", f"{ADMIN_P}/lawyers", "user", ADMIN),
    Route(
        "POST",
        f"{ADMIN_P}/lawyers/<uuid:profile_id>/review",
        "user",
        ADMIN,
        _p("/lawyers/{w.lawyer_profile.id}/review"),
        lambda w: {"approve": True},
    ),
    Route("POST", f"{ADMIN_P}/clients", "user", ADMIN, body=lambda w: {"court_id": str(w.court.id), "name": "系统"}),
    Route("GET", f"{ADMIN_P}/clients", "user", ADMIN),
    Route("POST", f"{ADMIN_P}/clients/<string:client_id>/rotate", "user", ADMIN, _p("/clients/{w.client_id}/rotate")),
    Route("POST", f"{ADMIN_P}/clients/<string:client_id>/revoke", "user", ADMIN, _p("/clients/{w.client_id}/revoke")),
]

# Routes whose objects can be replaced by one that does not exist: (rule, path with the nonexistent id).
NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>": f"/cases/{NONEXISTENT}",
    f"{MP}/cases/<uuid:case_id>/withdraw": f"/cases/{NONEXISTENT}/withdraw",
    f"{ADMIN_P}/courts/<uuid:court_id>/members": f"/courts/{NONEXISTENT}/members",
    f"{ADMIN_P}/orgs/<uuid:org_id>/members": f"/orgs/{NONEXISTENT}/members",
    f"{ADMIN_P}/lawyers/<uuid:profile_id>/review": f"/lawyers/{NONEXISTENT}/review",
    f"{ADMIN_P}/users/<uuid:user_id>/status": f"/users/{NONEXISTENT}/status",
    f"{ADMIN_P}/clients/<string:client_id>/revoke": "/clients/mc_nonexistent/revoke",
}


def _extend_from_domain_tables() -> None:
    """Each domain keeps its rows in tests/security/table_<domain>.py (ROUTES, NONEXISTENT_PATHS)."""
    import importlib
    import pkgutil

    import tests.security as package

    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("table_"):
            module = importlib.import_module(f"tests.security.{module_info.name}")
            TABLE.extend(module.ROUTES)
            NONEXISTENT_PATHS.update(getattr(module, "NONEXISTENT_PATHS", {}))


def concrete_path(route: Route, world: World) -> str:
    """The URL to call for a route."""
    if route.path is None:
        return route.rule
    prefix = route.rule.split("/", 4)
    return "/".join(prefix[:4]) + route.path(world)


_extend_from_domain_tables()
