"""The AppError hierarchy: each error knows its HTTP status and a stable dotted `reason` slug.

The message is English, as the code writes it; the HTTP layer renders it in the reader's language through the
catalogue keyed by the reason (docs/i18n.md). The reason never changes with language.
"""

from __future__ import annotations

from collections.abc import Mapping


class AppError(Exception):
    """Base of every error the core raises on purpose; the HTTP layer renders it in the one shape."""

    http_status = 500
    reason = "internal.error"
    default_message = "The server could not complete the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: str | None = None,
        errors: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if reason:
            self.reason = reason
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        # The values of the message's named placeholders (docs/i18n.md): the catalogue renders the reason's
        # text in the reader's language with them; without them they are read back from the English message.
        self.params = dict(params or {})
        super().__init__(self.message)


class BadRequest(AppError):
    """The request cannot be understood (malformed, not merely invalid)."""

    http_status = 400
    reason = "request.bad"
    default_message = "The request is malformed."


class ValidationFailed(AppError):
    """Input is well-formed but invalid; `errors` maps each field to its messages."""

    http_status = 422
    reason = "validation.failed"
    default_message = "Some fields are invalid."


class Unauthorized(AppError):
    """No usable credentials: missing, malformed, expired or revoked token."""

    http_status = 401
    reason = "auth.unauthorized"
    default_message = "Authentication is required."

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: str | None = None,
        errors: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        challenge = dict(headers or {})
        challenge.setdefault("WWW-Authenticate", 'Bearer realm="microcourt"')
        super().__init__(message, reason=reason, errors=errors, headers=challenge)


class Forbidden(AppError):
    """Known caller, known object, but the action is not theirs to take."""

    http_status = 403
    reason = "auth.forbidden"
    default_message = "You may not do this."


class NotFound(AppError):
    """Unknown, or not the caller's to see: both answer exactly alike."""

    http_status = 404
    reason = "resource.not_found"
    default_message = "Not found."


class Conflict(AppError):
    """The request collides with the current state (illegal transition, double booking, in-flight key)."""

    http_status = 409
    reason = "state.conflict"
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(AppError):
    """The body or file is larger than allowed."""

    http_status = 413
    reason = "request.too_large"
    default_message = "The request is too large."


class RateLimited(AppError):
    """Too many requests; Retry-After says when to come back."""

    http_status = 429
    reason = "rate.limited"
    default_message = "Too many requests; try again later."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int = 60,
        reason: str | None = None,
        errors: Mapping[str, object] | None = None,
    ) -> None:
        retry = {"Retry-After": str(max(1, int(retry_after)))}
        super().__init__(message, reason=reason, errors=errors, headers=retry)


class ServiceUnavailable(AppError):
    """A dependency (database, storage, broker, provider) is down; retry later."""

    http_status = 503
    reason = "service.unavailable"
    default_message = "A service the request needs is unavailable; try again shortly."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int = 5,
        reason: str | None = None,
        errors: Mapping[str, object] | None = None,
    ) -> None:
        retry = {"Retry-After": str(max(1, int(retry_after)))}
        super().__init__(message, reason=reason, errors=errors, headers=retry)


class StorageUnavailable(ServiceUnavailable):
    """The blob store did not answer."""

    reason = "storage.unavailable"
    default_message = "File storage is unavailable; try again shortly."


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer."""

    reason = "database.unavailable"
    default_message = "The database is unavailable; try again shortly."
