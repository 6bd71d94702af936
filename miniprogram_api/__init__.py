"""The HTTP layer: blueprints and schemas for phones, courts, administrators and the public."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

API_SETTINGS = {
    "API_TITLE": "Micro Court API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def register(app: Flask) -> None:
    """Mount request hooks, error handlers, the OpenAPI document and every blueprint."""
    from miniprogram_api import docs, errors, hooks, metrics
    from miniprogram_api.admin import register as register_admin
    from miniprogram_api.court import register as register_court
    from miniprogram_api.mp import register as register_mp
    from miniprogram_api.public import register as register_public

    for name, value in API_SETTINGS.items():
        app.config.setdefault(name, value)
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": "Micro Court: mediation, filing, evidence and electronic service."},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
    )
    api = Api(app)
    app.extensions["microcourt.api"] = api
    hooks.register(app)
    errors.register(app)
    register_public(api)
    register_mp(api)
    register_court(api)
    register_admin(api)
    docs.register(app)
    metrics.register(app)
