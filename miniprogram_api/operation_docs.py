"""Operation descriptions and examples for the OpenAPI document, kept outside the route modules.

Every operation gets an `operationId` (its Flask endpoint, e.g. `court_documents.push`) and a description
that says who may call it, whether it takes an Idempotency-Key and whether it is rate limited (derived from the
route's declarations, so it cannot drift) and, per error status, the `reason` values its code can answer
(`x-error-reasons`, from reason_scan.py). Hand-written descriptions and request/response examples come from
`operation_docs/*.json` (one file per group of blueprints, so that several people can write at once), keyed by
operationId; tests/api/test_operation_docs.py validates every example against its schema and refuses keys that
are not operations or that appear in two files.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from app.errors import RateLimited
from miniprogram_api import auth, reason_scan

DATA_DIR = Path(__file__).with_name("operation_docs")

# Who passes each role gate (miniprogram_api/auth.py), for the reader of the document. Whether court systems may
# call is said by the token kinds (a route that takes only a person's token answers a machine token 401).
ROLE_TEXT = {
    "any": "any logged-in person",
    "court_staff": "a court's clerks and judges",
    "court_staff_or_mediator": "a court's staff, or a mediator",
    "document_server": "a court's clerks (judges do not serve documents: 403)",
    "hotline_operator": "12368 hotline operators",
    "platform_admin": "platform administrators (others get 404)",
    "org_manager": "a mediation organisation's administrators, or platform administrators",
    "mediator": "mediators",
}
KIND_TEXT = {"user": "a person's token", "machine": "a court system's token"}
# What the request guard answers before any view runs (miniprogram_api/request_guard.py, errors.py): NUL in the
# path or a query value, then, for a body, JSON it cannot accept and a body over the size limit.
# Any operation may also find its database down or its transaction aborted by a concurrent one (503).
EVERY_OPERATION_REASONS: tuple[tuple[int, str], ...] = (
    (400, "request.bad"),
    (422, "validation.failed"),
    (503, "database.unavailable"),
)
BODY_REASONS: tuple[tuple[int, str], ...] = ((400, "request.bad_json"), (413, "request.too_large"))


@functools.cache
def entries() -> dict[str, dict[str, Any]]:
    """The hand-written part, by operationId, from every file in operation_docs/ (an id in two files is an error)."""
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        for operation_id, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if operation_id in merged:
                raise ValueError(f"{operation_id} is described twice ({path.name})")
            merged[operation_id] = entry
    return merged


def access_text(access: Any) -> str:
    """Who may call an operation, from its declared access."""
    if access.public:
        return "**Who may call it:** anyone; no token."
    kinds = " or ".join(KIND_TEXT.get(kind, kind) for kind in access.kinds)
    role = getattr(access.role, "name", None)
    who = ROLE_TEXT.get(role or "", f"callers passing the `{role}` gate") if role else "the route's audience"
    if "machine" in access.kinds and "user" in access.kinds:
        who += ", or a court system"
    elif "machine" in access.kinds:
        who = "a court system" if role is None else f"{who} (court systems)"
    return f"**Who may call it:** {who}, with {kinds}. Objects the caller may not see answer 404."


def error_reasons(operation: dict, *, access: Any, view: Any, limited: bool = False) -> dict[str, list[str]]:
    """status -> the `reason` values the operation may answer (reason_scan.py, plus the role gate's refusal and
    the rate limiter's)."""
    found = {status: set(names) for status, names in reason_scan.reasons(view).items()}
    for status, reason in EVERY_OPERATION_REASONS + (BODY_REASONS if "requestBody" in operation else ()):
        found.setdefault(status, set()).add(reason)
    if limited:
        found.setdefault(429, set()).add(RateLimited.reason)
    if access.role is not None and access.role is not auth.ANY:
        refusal = access.role.refusal()
        found.setdefault(int(refusal.http_status), set()).add(refusal.reason)
    documented = operation.get("responses", {})
    return {str(s): sorted(found[s]) for s in sorted(found) if str(s) in documented and s != 500}


def describe(
    operation: dict, *, endpoint: str, access: Any, idempotency: bool | None, limited: bool, view: Any = None
) -> None:
    """Set the operationId, the description (hand-written, then derived) and the examples of one operation."""
    operation.setdefault("operationId", endpoint)
    entry = entries().get(endpoint, {})
    parts = [entry.get("description"), operation.get("description"), access_text(access)]
    if idempotency is not None:
        need = "required" if idempotency else "accepted"
        parts.append(f"**Idempotency-Key:** {need}; a retry with the same key and body replays the first answer.")
    if limited:
        parts.append("**Rate limited:** over the limit it answers 429 with `Retry-After` (seconds).")
    listed = error_reasons(operation, access=access, view=view, limited=limited)
    if listed:
        operation["x-error-reasons"] = listed
        said = "; ".join(f"{status} " + ", ".join(f"`{r}`" for r in names) for status, names in listed.items())
        parts.append(f"**Error reasons:** {said}.")
    operation["description"] = "\n\n".join(part for part in parts if part)
    if "request" in entry:
        for media in operation.get("requestBody", {}).get("content", {}).values():
            media["example"] = entry["request"]
    for status, example in entry.get("responses", {}).items():
        response = operation.get("responses", {}).get(status, {})
        media = response.get("content", {}).get("application/json")
        if media is not None and "$ref" not in response:
            media["example"] = example
