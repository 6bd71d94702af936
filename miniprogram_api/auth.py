"""Bearer-token decorators: who is calling, as which kind of principal, with which roles."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from typing import Any

from flask import g, request

from app.errors import Unauthorized
from app.identity import login_sessions, machine_clients
from app.security.permissions import Principal

BEARER = re.compile(r"^Bearer ([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)$")
MAX_HEADER = 4096
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]  # OpenAPI: a bearer token, no scopes


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    match = BEARER.match(header) if len(header) <= MAX_HEADER else None
    if match is None:
        reason = "auth.token_missing" if not header else "auth.invalid_token"
        raise Unauthorized("A valid bearer token is required.", reason=reason)
    return match.group(1)


def _authenticate(kinds: tuple[str, ...]) -> Principal:
    token = _bearer_token()
    if kinds == ("machine",):
        return machine_clients.authenticate_machine(token=token)
    if kinds == ("user",):
        return login_sessions.authenticate_user(token=token)
    try:
        return login_sessions.authenticate_user(token=token)
    except Unauthorized as user_error:
        try:
            return machine_clients.authenticate_machine(token=token)
        except Unauthorized:
            raise user_error from None


def login_required(*, kinds: tuple[str, ...] = ("user",)) -> Callable:
    """Require a valid access token of one of the given kinds ("user", "machine")."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticate(kinds)
            g.principal = principal
            g.principal_scope = principal.scope
            return view(*args, **kwargs)

        apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))
        apidoc.setdefault("manual_doc", {})["security"] = SECURITY
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        return wrapper

    return decorator


def current_principal() -> Principal:
    """The caller authenticated by `login_required` for this request."""
    principal = g.get("principal")
    if principal is None:
        raise Unauthorized("A valid bearer token is required.", reason="auth.token_missing")
    return principal
