"""Endpoints for court staff and court systems (prefix /api/court/v1)."""

from __future__ import annotations

from flask_smorest import Api

PREFIX = "/api/court/v1"


def register(api: Api) -> None:
    """Mount the court blueprints."""
    from miniprogram_api.court.auth import blp as auth

    api.register_blueprint(auth, url_prefix=PREFIX)
