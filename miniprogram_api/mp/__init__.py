"""Endpoints for phones: citizens, lawyers, mediators (prefix /api/mp/v1)."""

from __future__ import annotations

from flask_smorest import Api

PREFIX = "/api/mp/v1"


def register(api: Api) -> None:
    """Mount the mini-program blueprints."""
    from miniprogram_api.mp.auth import blp as auth
    from miniprogram_api.mp.cases import blp as cases
    from miniprogram_api.mp.dev import blp as dev
    from miniprogram_api.mp.me import blp as me

    for blueprint in (auth, me, cases, dev):
        api.register_blueprint(blueprint, url_prefix=PREFIX)
