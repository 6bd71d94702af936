"""The API explorer at /api/docs (Swagger UI assets served by the app, no CDN) and the error statuses it shows."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Flask, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from miniprogram_api import auth, deprecation, error_scan, idempotency, operation_docs, webhook_docs

ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}
PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Micro Court API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.onload = function () {
  window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
};</script></body></html>
"""

bp = Blueprint("api_docs", __name__)


@bp.get("/api/docs")
def explorer() -> Response:
    """The explorer page."""
    return Response(PAGE, mimetype="text/html")


@bp.get("/api/docs/assets/<path:name>")
def asset(name: str) -> Response:
    """A Swagger UI asset from the installed bundle (allow-listed names only)."""
    if name not in ASSETS:
        abort(404)
    response = send_from_directory(swagger_ui_path, name, max_age=86400)
    return response


def register(app: Flask) -> None:
    """Mount the explorer; publish the webhooks (event schemas, callbacks, signature) in the document."""
    app.register_blueprint(bp)
    if "microcourt.api" in app.extensions:
        webhook_docs.publish(app.extensions["microcourt.api"])


# Statuses every operation can answer: the request guard's 400 (malformed request, path or body) and 422
# (NUL in any query value, hostile JSON), an unexpected failure, a database or store that is down.
EVERY_OPERATION = (400, 422, 500, 503)
METHODS = ("get", "put", "post", "patch", "delete")


def document_statuses(app: Flask, api: Any) -> None:
    """Every operation lists each error status it can answer (no `default`), derived from its route and code.

    401 for a token, the role gate's refusal, 404 for path parameters, 413 for a body, 429 for a rate limit,
    whatever the view's code raises (miniprogram_api/error_scan.py), and the statuses of EVERY_OPERATION.
    """
    access_by_endpoint = app.extensions[auth.ACCESS_EXTENSION]
    paths = api.spec._paths  # apispec keeps the operations here; to_dict() publishes this very dict
    limited_everywhere = bool(app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"))
    for rule in app.url_map.iter_rules():
        access = access_by_endpoint.get(rule.endpoint)
        item = paths.get(RULE_PARAMETER.sub(r"{\1}", rule.rule))
        if access is None or item is None:
            continue
        view = app.view_functions[rule.endpoint]
        codes = set(EVERY_OPERATION) | {code for code in error_scan.statuses(view) if code >= 400}
        if not access.public:
            codes.add(401)
        if access.role is not None and access.role is not auth.ANY:
            codes.add(access.role.refusal().http_status)
        if rule.arguments:
            codes.add(404)
        limited = limited_everywhere or any(hasattr(f, LIMITER_MARK) for f in _chain(view))
        if limited:
            codes.add(429)
        for method in (m.lower() for m in rule.methods or ()):
            operation = item.get(method)
            if method not in METHODS or operation is None:
                continue
            _complete(api, operation, codes | ({413} if "requestBody" in operation else set()), view)
            operation_docs.describe(  # operationId, who may call it, examples (miniprogram_api/operation_docs/*.json)
                operation,
                endpoint=rule.endpoint,
                access=access,
                idempotency=_idempotency_key(view),
                limited=limited,
                view=view,
            )
            deprecation.describe(operation, view)  # `deprecated: true`, when it goes, the headers (docs/versioning.md)
    _retry_after(api)


RETRY_AFTER = {
    "description": "Seconds to wait before trying again (429: until the limit's window allows; 503: an estimate).",
    "schema": {"type": "integer", "minimum": 0, "example": 30},
}


def _retry_after(api: Any) -> None:
    """429 and 503 say when to come back, in the header as well as in words (clients/ honour it)."""
    for name in ("TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE"):
        response = api.spec.components.responses.get(name)
        if response is not None:
            response.setdefault("headers", {})["Retry-After"] = RETRY_AFTER


def _complete(api: Any, operation: dict, codes: set[int], view: Callable) -> None:
    responses = operation.setdefault("responses", {})
    # No catch-all: a status the document does not name is a broken contract, not something `default` hides.
    responses.pop("default", None)
    for code in sorted(codes):
        responses.setdefault(str(code), api.spec.components.get_ref("response", HTTPStatus(code).name))
    error = {"application/json": {"schema": api.spec.components.get_ref("schema", "Error")}}
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400 and "$ref" not in response:
            response.setdefault("content", error)  # a route's own description of an error keeps the one shape
    required = _idempotency_key(view)
    if required is not None:
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == IDEMPOTENCY_KEY["name"] for p in parameters if isinstance(p, dict)):
            parameters.append({**IDEMPOTENCY_KEY, "required": required})


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": "A retry with the same key and body replays the first answer instead of acting twice.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"},
}
LIMITER_MARK = "__wrapper-limiter-instance"  # Flask-Limiter marks the wrappers its decorators make
RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _chain(view: Callable) -> list[Callable]:
    chain: list[Callable] = []
    current: Any = view
    while current is not None:
        chain.append(current)
        current = getattr(current, "__wrapped__", None)
    return chain


def _idempotency_key(view: Callable) -> bool | None:
    """None when the view does not honour Idempotency-Key, else whether the key is required."""
    for function in _chain(view):
        code = getattr(function, "__code__", None)  # functools.wraps renamed the wrapper; its code keeps its name
        if code is not None and code.co_filename == idempotency.__file__ and code.co_qualname.startswith("idempotent."):
            return bool(inspect.getclosurevars(function).nonlocals.get("required", False))
    return None
