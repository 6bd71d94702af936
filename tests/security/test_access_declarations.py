"""Access is declared on every API route and enforced before the body, whatever the decorator order."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import fields

from miniprogram_api import auth, errors
from miniprogram_api.schemas.base import InSchema


class _In(InSchema):
    name = fields.String(required=True)


def _app(blueprint: Blueprint) -> Flask:
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="v1", OPENAPI_VERSION="3.0.3")
    Api(app).register_blueprint(blueprint, url_prefix="/api/admin/v1")
    errors.register(app)
    auth.register(app)
    return app


def test_an_api_route_that_declares_nothing_stops_the_app():
    blp = Blueprint("forgotten", __name__)

    @blp.route("/forgotten", methods=["POST"])
    @blp.arguments(_In)
    def forgotten(payload: dict) -> dict:
        return payload

    with pytest.raises(RuntimeError, match="/api/admin/v1/forgotten"):
        _app(blp)


def test_the_gate_runs_before_the_schema_even_when_the_decorators_are_swapped():
    blp = Blueprint("swapped", __name__)

    @blp.route("/swapped", methods=["POST"])
    @blp.arguments(_In)  # parsing outside the login decorator: the before_request hook still comes first
    @auth.login_required()
    def swapped(payload: dict) -> dict:
        return payload

    app = _app(blp)
    response = app.test_client().post("/api/admin/v1/swapped", json={"unknown": 1})
    assert response.status_code == 401 and response.get_json()["reason"] == "auth.token_missing"
    assert app.extensions[auth.ACCESS_EXTENSION]["swapped.swapped"].role is auth.PLATFORM_ADMIN  # the audience's
