"""The case's mediator unmasks a party's phone and ID number (audited, rate limited with the court route)."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.cases import disclosure
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.limits import per_caller
from miniprogram_api.schemas.disclosure import DisclosureIn, DisclosureOut

blp = Blueprint("mp_disclosure", __name__, description="Unmask a party's PII, with a reason (audited).")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@blp.route("/cases/<uuid:case_id>/parties/<uuid:party_id>/disclose", methods=["POST"])
@login_required()
@per_caller("PII_DISCLOSURE_LIMIT_PER_USER", "pii-disclosure")  # one budget with the court route
@blp.arguments(DisclosureIn)
@blp.response(200, DisclosureOut)
def disclose(payload: dict, case_id: uuid.UUID, party_id: uuid.UUID) -> tuple:
    """A party's name, full phone and full ID number for the case's mediator (404 for everyone else)."""
    result = disclosure.disclose_party(
        case_id=case_id, party_id=party_id, reason=payload["reason"], actor=current_principal()
    )
    return result, 200, NO_STORE
