"""Who may call a route: the bearer token, and the function-level role, both checked before the body is read.

Every API route declares its access: `@public`, or `@login_required(kinds=..., role=...)`. A route that names no
role gets its audience's: court routes are for court staff and court systems, admin routes for platform admins,
mini-program routes for any person. `register` resolves the declarations once and refuses to start an app with
an API route that declares nothing; its before_request hook enforces them before the view runs, so before
flask-smorest parses the body or the query whatever the decorator order, and a caller who may not use a route
never learns its schema from a 422. Object-level checks (may this caller see THIS case) stay in the services.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request

from app.errors import AppError, Forbidden, NotFound, Unauthorized
from app.identity import login_sessions, machine_clients
from app.platform.early_claim import EarlyClaim
from app.security.permissions import (
    Principal,
    is_hotline_operator,
    is_org_admin,
    is_platform_admin,
    keeps_working_hours,
    may_serve_documents,
    staff_court_ids,
)
from miniprogram_api import idempotency

BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)$")
MAX_HEADER = 4096
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]  # OpenAPI: a bearer token, no scopes
API_RULE = re.compile(r"^/api/(mp|court|admin|public)/")
ACCESS_EXTENSION = "microcourt.access"
KEYED_EXTENSION = "microcourt.keyed_endpoints"  # routes honouring Idempotency-Key: claimed with authentication
CHECKED = "microcourt.access_checked"  # in the WSGI environ: g can outlive a request (an app context pushed around it)


@dataclasses.dataclass(frozen=True)
class Role:
    """A function-level gate: which callers may use a route at all, and the one answer every other caller gets."""

    name: str
    allows: Callable[[Principal], bool]
    refusal: Callable[[], AppError]

    def refusing(self, refusal: Callable[[], AppError]) -> Role:
        """The same gate answering others with another (documented, route-specific) error."""
        return dataclasses.replace(self, refusal=refusal)


def _hidden() -> AppError:
    # Administration answers outsiders as if nothing were there (the services' own answer).
    return NotFound("Not found.", reason="resource.not_found")


def _not_court_staff() -> AppError:
    return Forbidden("Only a court's clerks, judges and court systems may do this.", reason="court.not_staff")


def _serves_documents(principal: Principal) -> bool:
    return any(may_serve_documents(principal, court) for court in staff_court_ids(principal))


def _manages_an_org(principal: Principal) -> bool:
    return is_platform_admin(principal) or any(is_org_admin(principal, org) for org in principal.org_roles)


ANY = Role("any", lambda principal: True, lambda: Forbidden())
COURT_STAFF = Role("court_staff", lambda p: bool(staff_court_ids(p)), _not_court_staff)
COURT_STAFF_OR_MEDIATOR = Role(
    "court_staff_or_mediator",
    lambda p: bool(staff_court_ids(p)) or keeps_working_hours(p),
    _not_court_staff,
)
DOCUMENT_SERVER = Role(
    "document_server",
    _serves_documents,
    lambda: Forbidden("Only a court's clerks and court systems serve documents.", reason="document.push_forbidden"),
)
WEBHOOK_MANAGER = DOCUMENT_SERVER.refusing(
    lambda: Forbidden("Only a court's clerks and court systems manage its webhooks.", reason="webhook.forbidden")
)
HOTLINE_OPERATOR = Role("hotline_operator", is_hotline_operator, _hidden)
PLATFORM_ADMIN = Role("platform_admin", is_platform_admin, _hidden)
ORG_MANAGER = Role("org_manager", _manages_an_org, _hidden)
MEDIATOR = Role(
    "mediator",
    keeps_working_hours,
    lambda: Forbidden("Only mediators keep working hours.", reason="schedule.not_a_mediator"),
)
AUDIENCE_ROLES = {"mp": ANY, "court": COURT_STAFF, "admin": PLATFORM_ADMIN}


@dataclasses.dataclass(frozen=True)
class Access:
    """What a route declares: public (no kinds), or the token kinds it takes and its role (None: the audience's)."""

    kinds: tuple[str, ...] = ()
    role: Role | None = None

    @property
    def public(self) -> bool:
        """No token needed."""
        return not self.kinds


PUBLIC = Access()


def public(view: Callable) -> Callable:
    """Declare a route that anyone may call without a token."""
    view._access = PUBLIC  # type: ignore[attr-defined]
    return view


def login_required(*, kinds: tuple[str, ...] = ("user",), role: Role | None = None) -> Callable:
    """Require a valid access token of one of the given kinds ("user", "machine") and the route's role."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            enforce(fallback=declared)  # done by the before_request hook already; this guards any other path
            return view(*args, **kwargs)

        declared = Access(kinds=kinds, role=role)
        apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))
        apidoc.setdefault("manual_doc", {})["security"] = SECURITY
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        wrapper._access = declared  # type: ignore[attr-defined]
        return wrapper

    return decorator


def declared_access(view: Callable) -> Access | None:
    """The declaration on a view function or on any function it wraps."""
    current: object = view
    while current is not None:
        access = getattr(current, "_access", None)
        if isinstance(access, Access):
            return access
        current = getattr(current, "__wrapped__", None)
    return None


def resolve(rule: str, access: Access) -> Access:
    """The declaration with the audience's role filled in when the route named none."""
    if access.public or access.role is not None:
        return access
    match = API_RULE.match(rule)
    audience = match.group(1) if match else "mp"
    return dataclasses.replace(access, role=AUDIENCE_ROLES.get(audience, ANY))


def register(app: Flask) -> None:
    """Resolve every API route's access (refusing to start when one declares none) and enforce it per request."""
    resolved: dict[str, Access] = {}
    keyed: dict[str, Callable[[], EarlyClaim | None]] = {}
    undeclared = []
    for rule in app.url_map.iter_rules():
        if not API_RULE.match(rule.rule):
            continue
        if idempotency.is_idempotent(app.view_functions[rule.endpoint]):
            keyed[rule.endpoint] = functools.partial(idempotency.early, rule.endpoint)
        access = declared_access(app.view_functions[rule.endpoint])
        if access is None:
            undeclared.append(rule.rule)
            continue
        resolved[rule.endpoint] = resolve(rule.rule, access)
    if undeclared:
        raise RuntimeError(f"API routes without @public or @login_required: {sorted(set(undeclared))}")
    app.extensions[ACCESS_EXTENSION] = resolved
    # Looked up per request, not called by name: the early claim refuses nothing itself (a bad key or body is the
    # decorator's answer, as before), so the OpenAPI error scan must not count its errors for every route.
    app.extensions[KEYED_EXTENSION] = keyed
    app.before_request(enforce)


def enforce(fallback: Access | None = None) -> None:
    """Authenticate the caller and check the route's role, once per request, before anything reads the body."""
    if request.environ.get(CHECKED) or request.endpoint is None:
        return
    rule = request.url_rule
    if request.method == "OPTIONS" and rule is not None and getattr(rule, "provide_automatic_options", False):
        return
    access = current_app.extensions.get(ACCESS_EXTENSION, {}).get(request.endpoint)
    if access is None and fallback is not None:  # an app built without register(): the view's own declaration
        access = resolve(rule.rule if rule is not None else "", fallback)
    if access is None or access.public:
        return
    keyed = current_app.extensions.get(KEYED_EXTENSION, {}).get(request.endpoint)
    early = keyed() if keyed is not None else None
    principal = _authenticate(access.kinds, early)
    if early is not None:
        g.setdefault(idempotency.EARLY, early)
    g.principal = principal
    g.principal_scope = principal.scope
    role = access.role or ANY
    if not role.allows(principal):
        raise role.refusal()
    request.environ[CHECKED] = True


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    match = BEARER.match(header) if len(header) <= MAX_HEADER else None
    if match is None:  # each reason written out, so that the catalogue has the text under both
        if not header:
            raise Unauthorized("A valid bearer token is required.", reason="auth.token_missing")
        raise Unauthorized("A valid bearer token is required.", reason="auth.invalid_token")
    return match.group(1)


def _authenticate(kinds: tuple[str, ...], early: EarlyClaim | None = None) -> Principal:
    token = _bearer_token()
    if kinds == ("machine",):
        return machine_clients.authenticate_machine(token=token, early=early)
    if kinds == ("user",):
        return login_sessions.authenticate_user(token=token, early=early)
    try:
        return login_sessions.authenticate_user(token=token)
    except Unauthorized as user_error:
        try:  # a token is one kind or the other: a user token's claim never reaches here unspent
            return machine_clients.authenticate_machine(token=token, early=early if early and not early.used else None)
        except Unauthorized:
            raise user_error from None


def current_principal() -> Principal:
    """The caller authenticated for this request."""
    principal = g.get("principal")
    if principal is None:
        raise Unauthorized("A valid bearer token is required.", reason="auth.token_missing")
    return principal
