"""Mediation for phones: the directory, recommendations, choosing a mediator, and the mediator's answer."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.mediation import assignment, directory, queues
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.mediation_assignment import (
    ChooseMediatorIn,
    MediationOfferPage,
    MediatorAssignmentOut,
    MediatorDeclineIn,
)
from miniprogram_api.schemas.mediation_directory import (
    MediationOrgPage,
    MediatorPage,
    MediatorSearchArgs,
    OrgSearchArgs,
    RecommendationOut,
)
from miniprogram_api.schemas.pages import CursorArgs

blp = Blueprint("mp_mediation", __name__, description="Mediation directory and mediator assignment.")


@blp.route("/mediation/orgs", methods=["GET"])
@login_required()
@blp.arguments(OrgSearchArgs, location="query")
@blp.response(200, MediationOrgPage)
def orgs(args: dict) -> object:
    """Mediation organisations serving a region and/or a category."""
    return directory.list_orgs(actor=current_principal(), **_page(args, "region", "category"))


@blp.route("/mediation/orgs/<uuid:org_id>/mediators", methods=["GET"])
@login_required()
@blp.arguments(MediatorSearchArgs, location="query")
@blp.response(200, MediatorPage)
def mediators(args: dict, org_id: uuid.UUID) -> object:
    """An organisation's mediators (public profile and current load)."""
    return directory.list_mediators(org_id=org_id, actor=current_principal(), **_page(args, "region", "category"))


@blp.route("/mediation/offers", methods=["GET"])
@login_required()
@blp.arguments(CursorArgs, location="query")
@blp.response(200, MediationOfferPage)
def offers(args: dict) -> object:
    """Cases offered to the caller as mediator, waiting for an answer."""
    return queues.my_offers(actor=current_principal(), **_page(args))


@blp.route("/cases/<uuid:case_id>/mediator-recommendations", methods=["GET"])
@login_required()
@blp.response(200, RecommendationOut(many=True))
def recommendations(case_id: uuid.UUID) -> list:
    """The three best mediators for the case, scored by specialty, region and load."""
    return assignment.recommendations(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/mediator", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(ChooseMediatorIn)
@blp.response(201, MediatorAssignmentOut)
def choose(payload: dict, case_id: uuid.UUID) -> dict:
    """A party chooses (or the organisation's admin assigns) the mediator."""
    return assignment.choose(case_id=case_id, mediator_id=payload["mediator_id"], actor=current_principal())


@blp.route("/cases/<uuid:case_id>/mediator/accept", methods=["POST"])
@login_required()
@blp.response(200, MediatorAssignmentOut)
def accept(case_id: uuid.UUID) -> dict:
    """The offered mediator takes the case; the mediation clock starts."""
    return assignment.accept(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/mediator/decline", methods=["POST"])
@login_required()
@blp.arguments(MediatorDeclineIn, required=False)
@blp.response(200, MediatorAssignmentOut)
def decline(payload: dict, case_id: uuid.UUID) -> dict:
    """The offered mediator refuses; the case goes back to the organisation's admin."""
    return assignment.decline(case_id=case_id, reason=payload.get("reason"), actor=current_principal())


def _page(args: dict, *names: str) -> dict:
    return {name: args.get(name) for name in (*names, "cursor", "limit")}
