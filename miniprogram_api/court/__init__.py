"""Endpoints for court staff and court systems (prefix /api/court/v1)."""

from __future__ import annotations

from flask_smorest import Api

PREFIX = "/api/court/v1"


def register(api: Api) -> None:
    """Mount the court blueprints."""
    from miniprogram_api.court.auth import blp as auth
    from miniprogram_api.court.confirmation import blp as confirmation
    from miniprogram_api.court.filings import blp as filings
    from miniprogram_api.court.hotline import blp as hotline

    api.register_blueprint(auth, url_prefix=PREFIX)
    from miniprogram_api.court.documents import blp as documents
    from miniprogram_api.court.webhooks import blp as webhooks
    from miniprogram_api.court.work_items import blp as work_items

    for blueprint in (documents, webhooks, work_items):
        api.register_blueprint(blueprint, url_prefix=PREFIX)
    api.register_blueprint(filings, url_prefix=PREFIX)
    api.register_blueprint(hotline, url_prefix=PREFIX)
    api.register_blueprint(confirmation, url_prefix=PREFIX)
    from miniprogram_api.court.disclosure import blp as disclosure

    api.register_blueprint(disclosure, url_prefix=PREFIX)
    from miniprogram_api.court.service_consent import blp as service_consent

    api.register_blueprint(service_consent, url_prefix=PREFIX)
    from miniprogram_api.court.delegations import blp as delegations

    api.register_blueprint(delegations, url_prefix=PREFIX)
    from miniprogram_api.court.courtrooms import blp as courtrooms
    from miniprogram_api.court.hearings import blp as hearings

    api.register_blueprint(courtrooms, url_prefix=PREFIX)
    api.register_blueprint(hearings, url_prefix=PREFIX)
    from miniprogram_api.court.casefile import blp as casefile

    api.register_blueprint(casefile, url_prefix=PREFIX)
    from miniprogram_api.court.evidence_period import blp as evidence_period

    api.register_blueprint(evidence_period, url_prefix=PREFIX)
    from miniprogram_api.court.agents import blp as agents

    api.register_blueprint(agents, url_prefix=PREFIX)
    from miniprogram_api.court.litigation import blp as litigation
    from miniprogram_api.court.litigation_queues import blp as litigation_queues

    api.register_blueprint(litigation, url_prefix=PREFIX)
    api.register_blueprint(litigation_queues, url_prefix=PREFIX)
    from miniprogram_api.court.litigation_service import blp as litigation_service

    api.register_blueprint(litigation_service, url_prefix=PREFIX)
    from miniprogram_api.court.fees import blp as fees

    api.register_blueprint(fees, url_prefix=PREFIX)
    from miniprogram_api.court.payments import blp as payments

    api.register_blueprint(payments, url_prefix=PREFIX)
    from miniprogram_api.court.video import blp as video

    api.register_blueprint(video, url_prefix=PREFIX)
