"""Rate-limit values and keys read from configuration (Flask-Limiter callables)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, g, request

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


def per_caller(name: str, scope: str) -> Callable[[Callable], Callable]:
    """One limit from config per logged-in caller, shared by every route decorated with the same scope.

    Put it under `login_required` (which sets the caller's scope); every attempt counts, refused ones too.
    """
    return limiter.shared_limit(configured(name), scope=scope, key_func=lambda: f"{scope}:{g.principal_scope}")
