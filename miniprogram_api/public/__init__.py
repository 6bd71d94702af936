"""Endpoints anyone may call (prefix /api/public/v1): health, storage links, verification, statistics."""

from __future__ import annotations

from flask_smorest import Api

PREFIX = "/api/public/v1"


def register(api: Api) -> None:
    """Mount the public blueprints."""
    from miniprogram_api.public.health import blp as health
    from miniprogram_api.public.storage import blp as storage

    api.register_blueprint(health, url_prefix=PREFIX)
    api.register_blueprint(storage, url_prefix=PREFIX)
    from miniprogram_api.public.verify import blp as verify

    api.register_blueprint(verify, url_prefix=PREFIX)
    from miniprogram_api.public.stats import blp as stats
    from miniprogram_api.public.stats import court_blp, org_blp

    api.register_blueprint(stats, url_prefix=PREFIX)
    api.register_blueprint(court_blp, url_prefix="/api/court/v1")
    api.register_blueprint(org_blp, url_prefix="/api/admin/v1")
    from miniprogram_api.public.fees import blp as fees

    api.register_blueprint(fees, url_prefix=PREFIX)
    from miniprogram_api.public.payments import blp as payments

    api.register_blueprint(payments, url_prefix=PREFIX)
    from miniprogram_api.public.video import blp as video

    api.register_blueprint(video, url_prefix=PREFIX)
