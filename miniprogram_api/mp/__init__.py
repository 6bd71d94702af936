"""Endpoints for phones: citizens, lawyers, mediators (prefix /api/mp/v1)."""

from __future__ import annotations

from flask_smorest import Api

PREFIX = "/api/mp/v1"


def register(api: Api) -> None:
    """Mount the mini-program blueprints."""
    from miniprogram_api.mp.agents import blp as agents
    from miniprogram_api.mp.auth import blp as auth
    from miniprogram_api.mp.cases import blp as cases
    from miniprogram_api.mp.claims import blp as claims
    from miniprogram_api.mp.corrections import blp as corrections
    from miniprogram_api.mp.dev import blp as dev
    from miniprogram_api.mp.evidence import blp as evidence
    from miniprogram_api.mp.invitations import blp as invitations
    from miniprogram_api.mp.me import blp as me
    from miniprogram_api.mp.mediation import blp as mediation
    from miniprogram_api.mp.mediation_agreements import blp as mediation_agreements
    from miniprogram_api.mp.sessions import blp as sessions

    for blueprint in (auth, me, cases, dev):
        api.register_blueprint(blueprint, url_prefix=PREFIX)
    api.register_blueprint(corrections, url_prefix=PREFIX)
    api.register_blueprint(evidence, url_prefix=PREFIX)
    from miniprogram_api.mp.documents import blp as documents

    api.register_blueprint(documents, url_prefix=PREFIX)
    api.register_blueprint(agents, url_prefix=PREFIX)
    api.register_blueprint(claims, url_prefix=PREFIX)
    api.register_blueprint(mediation, url_prefix=PREFIX)
    api.register_blueprint(mediation_agreements, url_prefix=PREFIX)
    api.register_blueprint(sessions, url_prefix=PREFIX)
    api.register_blueprint(invitations, url_prefix=PREFIX)
    from miniprogram_api.mp.disclosure import blp as disclosure

    api.register_blueprint(disclosure, url_prefix=PREFIX)
    from miniprogram_api.mp.service_consent import blp as service_consent

    api.register_blueprint(service_consent, url_prefix=PREFIX)
    from miniprogram_api.mp.dev_email import blp as dev_email

    api.register_blueprint(dev_email, url_prefix=PREFIX)
    from miniprogram_api.mp.delegations import blp as delegations

    api.register_blueprint(delegations, url_prefix=PREFIX)
    from miniprogram_api.mp.casefile import blp as casefile

    api.register_blueprint(casefile, url_prefix=PREFIX)
    from miniprogram_api.mp.privacy import blp as privacy

    api.register_blueprint(privacy, url_prefix=PREFIX)
    from miniprogram_api.mp.litigation import blp as litigation

    api.register_blueprint(litigation, url_prefix=PREFIX)
    from miniprogram_api.mp.fees import blp as fees

    api.register_blueprint(fees, url_prefix=PREFIX)
    from miniprogram_api.mp.payments import blp as payments

    api.register_blueprint(payments, url_prefix=PREFIX)
    from miniprogram_api.mp.video import blp as video

    api.register_blueprint(video, url_prefix=PREFIX)
