"""E-service consent as the court sees it: who has not consented, and a consent a clerk obtained by phone."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.documents import consent_court
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.service_consent import ClerkConsentIn, CourtConsentsOut, PartyConsentOut

blp = Blueprint("court_service_consent", __name__, description="Parties' consent to electronic service.")


@blp.route("/cases/<uuid:case_id>/service-consents", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.response(200, CourtConsentsOut)
def overview(case_id: uuid.UUID) -> dict:
    """Every party with its consent, those without one first (`without_consent` counts them)."""
    return consent_court.overview(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/service-consents", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(ClerkConsentIn)
@blp.response(200, PartyConsentOut)
def record(payload: dict, case_id: uuid.UUID) -> dict:
    """Record a consent the party gave a clerk (note how); documents held for them are delivered."""
    return consent_court.record_by_clerk(case_id=case_id, actor=current_principal(), **payload)
