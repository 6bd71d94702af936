"""Deprecated operations: `Deprecation` and `Sunset` headers and the document's `deprecated` flag (docs/versioning.md).

A route is retired in two steps. First it is marked with `@deprecated(since=..., sunset=..., successor=...)`: from
then on every answer carries `Deprecation: @<unix time of since>` (RFC 9745), `Sunset: <HTTP-date>` (RFC 8594) and,
when there is one, `Link: <successor>; rel="successor-version"`; the OpenAPI document sets `deprecated: true` on the
operation and says when it goes. The route keeps working unchanged until the sunset date, which is at least
`MINIMUM_LIFE` after `since`; only then may it be removed, with a CHANGELOG entry. A deprecated schema field carries
`metadata={"deprecated": True}` (published as `deprecated: true` on the property) under the same policy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from email.utils import format_datetime
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request

MARK = "_microcourt_deprecated"
MINIMUM_LIFE = dt.timedelta(days=180)  # a mini-program release in users' hands lives about this long
F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True)
class Deprecated:
    """When a route was deprecated, when it goes, and what replaces it."""

    since: dt.date
    sunset: dt.date
    successor: str | None = None

    def __post_init__(self) -> None:
        if self.sunset - self.since < MINIMUM_LIFE:
            raise ValueError(f"a deprecated operation lives at least {MINIMUM_LIFE.days} days (docs/versioning.md)")

    def headers(self) -> dict[str, str]:
        """The response headers every answer of the route carries."""
        since = dt.datetime.combine(self.since, dt.time(), tzinfo=dt.UTC)
        sunset = dt.datetime.combine(self.sunset, dt.time(), tzinfo=dt.UTC)
        found = {"Deprecation": f"@{int(since.timestamp())}", "Sunset": format_datetime(sunset, usegmt=True)}
        if self.successor:
            found["Link"] = f'<{self.successor}>; rel="successor-version"'
        return found

    def text(self) -> str:
        """The sentence the operation's description gains."""
        successor = f" Use `{self.successor}` instead." if self.successor else ""
        return (
            f"**Deprecated** since {self.since.isoformat()}; removed after {self.sunset.isoformat()} "
            f"(answers carry `Deprecation` and `Sunset` headers).{successor}"
        )


def deprecated(*, since: dt.date, sunset: dt.date, successor: str | None = None) -> Callable[[F], F]:
    """Mark a view function deprecated (put it outermost, above the blueprint's route decorator's view)."""
    notice = Deprecated(since=since, sunset=sunset, successor=successor)

    def mark(view: F) -> F:
        setattr(view, MARK, notice)
        return view

    return mark


def notice_of(view: Callable | None) -> Deprecated | None:
    """The deprecation of a view, looking through its decorators' wrappers."""
    current: Any = view
    while current is not None:
        found = getattr(current, MARK, None)
        if found is not None:
            return found
        current = getattr(current, "__wrapped__", None)
    return None


DEPRECATION_HEADERS = {
    "Deprecation": {
        "description": "Set on every answer of a deprecated operation: `@` and the Unix time it was deprecated.",
        "schema": {"type": "string", "example": "@1798761600"},
    },
    "Sunset": {
        "description": "Set on every answer of a deprecated operation: the HTTP-date after which it is removed.",
        "schema": {"type": "string", "example": "Sat, 01 Jan 2028 00:00:00 GMT"},
    },
}


def describe(operation: dict, view: Callable) -> None:
    """Publish a route's deprecation in its operation: the flag, a sentence, and the headers on every response."""
    notice = notice_of(view)
    if notice is None:
        return
    operation["deprecated"] = True
    operation["description"] = "\n\n".join(p for p in (notice.text(), operation.get("description")) if p)
    for response in operation.get("responses", {}).values():
        if isinstance(response, dict) and "$ref" not in response:
            response.setdefault("headers", {}).update(DEPRECATION_HEADERS)


def _add_headers(response: Response) -> Response:
    view = current_app.view_functions.get(request.endpoint or "")
    notice = notice_of(view)
    if notice is not None:
        for name, value in notice.headers().items():
            response.headers.setdefault(name, value)
    return response


def register(app: Flask) -> None:
    """Add the headers to every answer of a deprecated route, errors included."""
    app.after_request(_add_headers)
