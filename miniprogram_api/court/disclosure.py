"""A clerk or judge of the case's court unmasks a party's phone and ID number (audited, rate limited)."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.cases import access, disclosure
from miniprogram_api.auth import COURT_STAFF_OR_MEDIATOR, current_principal, login_required
from miniprogram_api.limits import per_caller
from miniprogram_api.schemas.disclosure import DisclosureIn, DisclosureOut

blp = Blueprint("court_disclosure", __name__, description="Unmask a party's PII, with a reason (audited).")
STAFF = ("user", "machine")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Court staff and mediators pass; anyone else gets what an unknown case gets (the route's documented answer).
DISCLOSERS = COURT_STAFF_OR_MEDIATOR.refusing(access.not_found)


@blp.route("/cases/<uuid:case_id>/parties/<uuid:party_id>/disclose", methods=["POST"])
@login_required(kinds=STAFF, role=DISCLOSERS)
@per_caller("PII_DISCLOSURE_LIMIT_PER_USER", "pii-disclosure")  # one budget with the mp route
@blp.arguments(DisclosureIn)
@blp.response(200, DisclosureOut)
def disclose(payload: dict, case_id: uuid.UUID, party_id: uuid.UUID) -> tuple:
    """A party's name, full phone and full ID number for the court's clerks and judges (404 for everyone else)."""
    result = disclosure.disclose_party(
        case_id=case_id, party_id=party_id, reason=payload["reason"], actor=current_principal()
    )
    return result, 200, NO_STORE
