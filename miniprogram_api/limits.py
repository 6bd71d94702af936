"""Rate-limit values and keys read from configuration (Flask-Limiter callables)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, g, request
from marshmallow import Schema

from app.extensions import limiter


def configured(name: str) -> Callable[[], str]:
    """A limit string read from config at request time, e.g. "5/minute;20/hour"."""
    return lambda: current_app.config[name]


def phone_key() -> str:
    """Rate-limit key for the phone number in a JSON body (hashed: no raw phone in the limiter store)."""
    body = request.get_json(silent=True) or {}
    raw = str(body.get("phone", "")) if isinstance(body, dict) else ""
    digits = "".join(ch for ch in raw if ch.isdigit())[-11:]
    return "phone:" + hashlib.sha256(digits.encode()).hexdigest()[:32]


def refused_body(schema: Schema, *accepts: Callable[[dict], bool]) -> Callable[[], bool]:
    """`exempt_when` for a limit counted per value of the JSON body (`phone_key`): True for a body the route
    refuses before doing anything (not a JSON object, the schema's errors, or one of `accepts` saying no), which is
    answered 400 or 422 whatever the limit says, so it spends none of that value's quota.

    The limit stays a hit taken before the view (not Flask-Limiter's `deduct_when`, which counts after the
    answer): two valid requests at once for the same value cannot both pass. Only a body the route would refuse
    anyway is exempt; the route's other limits (per IP) still count it. Decided once per request (a limit string
    such as "1/minute;5/hour" is several limits, each asking).
    """
    marker = f"microcourt.refused_body.{id(schema)}"

    def refused() -> bool:
        if marker not in request.environ:
            body = request.get_json(silent=True)
            request.environ[marker] = (
                not isinstance(body, dict) or bool(schema.validate(body)) or not all(check(body) for check in accepts)
            )
        return bool(request.environ[marker])

    return refused


def per_caller(name: str, scope: str) -> Callable[[Callable], Callable]:
    """One limit from config per logged-in caller, shared by every route decorated with the same scope.

    Put it under `login_required` (which sets the caller's scope); every attempt counts, refused ones too.
    """
    return limiter.shared_limit(configured(name), scope=scope, key_func=lambda: f"{scope}:{g.principal_scope}")
