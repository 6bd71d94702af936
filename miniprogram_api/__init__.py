"""The HTTP layer: blueprints and schemas for phones, courts, administrators and the public."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import fields

from miniprogram_api.schemas.base import TIME_RANGE_TEXT, ErrorOut, Money, SchemaReusingParser

# Before any route module is imported: @blp.arguments binds the parser when it decorates (schemas/base.py).
Blueprint.ARGUMENTS_PARSER = SchemaReusingParser()

API_SETTINGS = {
    "API_TITLE": "Micro Court API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class MicroCourtApi(Api):
    """flask-smorest's Api publishing our error body (ErrorOut) as the `Error` component every error refers to."""

    ERROR_SCHEMA = ErrorOut

    def _register_responses(self) -> None:
        # Named before flask-smorest's default responses refer to it (else it would be "ErrorOut").
        self.spec.components.schema("Error", schema=ErrorOut)
        super()._register_responses()


def _time_range(self: Any, field: fields.Field, **_kwargs: Any) -> dict:
    """OpenAPI: every date and date-time says the range and format the API accepts and writes."""
    if not isinstance(field, fields.DateTime | fields.Date):
        return {}
    ret = _kwargs.get("ret") or {}
    said = ret.get("description")
    return {"description": f"{said} ({TIME_RANGE_TEXT})" if said else TIME_RANGE_TEXT}


def _publish_contract(api: Api) -> None:
    """The contract the schemas keep: money as a string, the date-time range in every description."""
    api.ma_plugin.map_to_openapi_type(Money, "string", None)
    api.ma_plugin.converter.add_attribute_function(_time_range)


def register(app: Flask) -> None:
    """Mount request hooks, error handlers, the OpenAPI document and every blueprint."""
    from miniprogram_api import auth, deprecation, docs, errors, hooks, metrics, multipart, pages, request_guard
    from miniprogram_api.admin import register as register_admin
    from miniprogram_api.court import register as register_court
    from miniprogram_api.mp import register as register_mp
    from miniprogram_api.public import register as register_public

    app.request_class = multipart.Request  # multipart bodies parsed without regexes compiled per request
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
    api = MicroCourtApi(app)
    _publish_contract(api)
    app.extensions["microcourt.api"] = api
    hooks.register(app)
    request_guard.register(app)  # after the request id is set, before any route reads input
    errors.register(app)
    deprecation.register(app)  # Deprecation/Sunset headers of deprecated routes (docs/versioning.md)
    register_public(api)
    register_mp(api)
    register_court(api)
    register_admin(api)
    pages.register(app)  # /h5/ and /console/: static pages over this API (docs/pages.md)
    auth.register(app)  # after every route exists: refuses undeclared ones, gates callers before any parsing
    docs.register(app)
    docs.document_statuses(app, api)  # after auth.register: reads each route's resolved access
    metrics.register(app)
