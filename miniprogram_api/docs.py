"""The interactive API explorer at /api/docs, with Swagger UI assets served by the app (no CDN)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

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
    """Mount the explorer."""
    app.register_blueprint(bp)
