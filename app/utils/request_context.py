"""Per-request values that the core may read without importing Flask's request globals."""

from __future__ import annotations

import contextvars

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    """Return the id of the request being served, or '-' outside a request."""
    return request_id_var.get()
