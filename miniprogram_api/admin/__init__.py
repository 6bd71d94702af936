"""Platform and mediation-organisation administration (prefix /api/admin/v1)."""

from __future__ import annotations

from flask_smorest import Api

PREFIX = "/api/admin/v1"


def register(api: Api) -> None:
    """Mount the admin blueprints."""
    from miniprogram_api.admin.calendar import blp as calendar
    from miniprogram_api.admin.clients import blp as clients
    from miniprogram_api.admin.directory import blp as directory
    from miniprogram_api.admin.mediators import blp as mediators
    from miniprogram_api.admin.payments import blp as payments
    from miniprogram_api.admin.people import blp as people

    for blueprint in (directory, people, clients):
        api.register_blueprint(blueprint, url_prefix=PREFIX)
    api.register_blueprint(mediators, url_prefix=PREFIX)
    api.register_blueprint(calendar, url_prefix=PREFIX)
    api.register_blueprint(payments, url_prefix=PREFIX)
