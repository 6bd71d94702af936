"""App-wide error handlers: every error leaves in the one JSON shape, never with a stack trace.

`message` and the per-field messages are in the reader's language (Accept-Language: zh default, en), looked up
in the catalogue by the machine `reason`, which never changes with language (docs/i18n.md).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, g, jsonify, request
from sqlalchemy.exc import DBAPIError, InvalidRequestError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app import errors as app_errors
from app.errors import AppError, DatabaseUnavailable
from app.i18n import best_language, current_language, init_babel, mark, translate, translate_fields
from app.platform import transactions

log = logging.getLogger(__name__)

HTTP_REASONS = {
    400: "request.bad",
    401: "auth.unauthorized",
    403: "auth.forbidden",
    404: "resource.not_found",
    405: "request.method_not_allowed",
    406: "request.not_acceptable",
    409: "state.conflict",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "validation.failed",
    429: "rate.limited",
}
# The texts of the reasons no AppError class carries (werkzeug's own statuses), for the catalogue.
HTTP_MESSAGES = {
    "request.method_not_allowed": mark("request.method_not_allowed", "The method is not allowed for this URL."),
    "request.not_acceptable": mark("request.not_acceptable", "The requested response type cannot be produced."),
    "request.unsupported_media_type": mark("request.unsupported_media_type", "The body's media type is not supported."),
    "http.error": mark("http.error", "The request could not be completed."),
}
# Each status's generic words: what a reader sees when the catalogue does not know a message.
GENERIC = {
    cls.http_status: (cls.reason, cls.default_message)
    for cls in (
        app_errors.AppError,
        app_errors.BadRequest,
        app_errors.ValidationFailed,
        app_errors.Unauthorized,
        app_errors.Forbidden,
        app_errors.NotFound,
        app_errors.Conflict,
        app_errors.PayloadTooLarge,
        app_errors.RateLimited,
        app_errors.ServiceUnavailable,
    )
}


def _generic(code: int, reason: str) -> tuple[str, str]:
    if reason in HTTP_MESSAGES:
        return reason, HTTP_MESSAGES[reason]
    return GENERIC.get(code) or GENERIC[500 if code >= 500 else 400]


def reader_language() -> str | None:
    """Flask-Babel's locale selector: the request's Accept-Language (zh-CN default, en; unknown -> zh)."""
    return best_language(request.headers.get("Accept-Language"))


def error_body(code: int, reason: str, message: str, errors: dict | None = None) -> dict:
    """Build the one error shape."""
    return {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "reason": reason,
        "message": message,
        "errors": errors or {},
        "request_id": g.get("request_id", "-"),
    }


def _respond(code: int, body: dict, headers: dict | None = None) -> Response:
    transactions.rollback()  # nothing a failed request wrote survives it
    response = jsonify(body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Content-Language"] = "zh-CN" if current_language() == "zh" else current_language()
    response.vary.add("Accept-Language")  # the words follow the header: a cache must not share them
    return response


def handle_app_error(exc: AppError) -> Response:
    """Render an AppError raised by a service."""
    if exc.http_status >= 500:
        log.warning("service error %s: %s", exc.reason, exc.message)
    language = current_language()
    message = translate(exc.reason, exc.message, language, params=exc.params)
    errors = translate_fields(exc.errors, language)
    return _respond(exc.http_status, error_body(exc.http_status, exc.reason, message, errors), exc.headers)


def handle_http_exception(exc: HTTPException) -> Response:
    """Render werkzeug/flask-smorest/webargs/limiter errors."""
    code = exc.code or 500
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    language = current_language()
    errors = translate_fields(_field_errors(exc), language)
    reason = HTTP_REASONS.get(code, "http.error")
    message = (exc.description or HTTPStatus(code).phrase) if code != 422 else "Some fields are invalid."
    if code == 429:
        headers.setdefault("Retry-After", str(_retry_after(exc)))
        message = "Too many requests; try again later."
    message = translate(reason, message, language, fallback=_generic(code, reason))
    return _respond(code, error_body(code, reason, message, errors), headers)


def _field_errors(exc: HTTPException) -> dict:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, dict):
        return {}
    merged: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            merged.update(fields)
        else:
            merged[location] = fields
    return merged


def _retry_after(exc: HTTPException) -> int:
    limit = getattr(exc, "limit", None)
    try:
        return max(1, int(limit.limit.get_expiry())) if limit else 60
    except Exception:  # noqa: BLE001 - a missing expiry must not turn a 429 into a 500
        return 60


def handle_database_down(exc: Exception) -> Response:
    """A connection failure is a fast 503 with Retry-After, not a 500."""
    log.error("database unavailable: %s", type(exc).__name__)
    return handle_app_error(DatabaseUnavailable())


def handle_unexpected(exc: Exception) -> Response:
    """Log the stack trace with the request id; answer 500 without it (the session is rolled back)."""
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unhandled error")
    message = translate("internal.error", "The server could not complete the request.", current_language())
    return _respond(500, error_body(500, "internal.error", message))


def register(app: Flask) -> None:
    """Install the handlers (after flask-smorest's, so these win) and the reader's language selector."""
    if "babel" not in app.extensions:  # an app built without the factory (a test's bare Flask app)
        init_babel(app)
    app.extensions["babel"].locale_selector = reader_language
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, _database_or_unexpected)
    app.register_error_handler(PoolTimeout, handle_database_down)
    app.register_error_handler(InvalidRequestError, _pool_exhausted_or_unexpected)
    app.register_error_handler(Exception, handle_unexpected)


def _database_or_unexpected(exc: OperationalError) -> Response:
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or _is_connection_error(exc):
        return handle_database_down(exc)
    if getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES:  # nothing landed; the same request may succeed
        log.warning("transaction aborted by the database (%s); answered 503", exc.orig.sqlstate)  # type: ignore[union-attr]
        return handle_app_error(DatabaseUnavailable(retry_after=1))
    return handle_unexpected(exc)


# What SQLAlchemy's pool raises when every connection it tried at checkout was found dead (its liveness check, then
# three reconnections, each closed again at once: the database restarting, failing over, or terminating backends).
POOL_GAVE_UP = "This connection is closed"


def _pool_exhausted_or_unexpected(exc: InvalidRequestError) -> Response:
    """The pool giving up on reconnecting is the database being unavailable (503, retry); any other misuse of the
    ORM that SQLAlchemy reports with this class is a bug (500)."""
    if type(exc) is InvalidRequestError and str(exc) == POOL_GAVE_UP:
        return handle_database_down(exc)
    return handle_unexpected(exc)


# PostgreSQL aborted the transaction to resolve a conflict between concurrent ones (deadlock_detected,
# serialization_failure): the request's work was rolled back whole, so a retry is the right answer, not a 500.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def _is_connection_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else ""
    markers = ("connection", "could not connect", "server closed", "timeout expired", "database is locked")
    return any(marker in text for marker in markers)
