"""The filer's answer to a court's correction request (补正)."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.cases import corrections
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.cases import CaseDetailOut
from miniprogram_api.schemas.review import CorrectionAnswerIn

blp = Blueprint("mp_corrections", __name__, description="Answer a court's correction request.")


@blp.route("/cases/<uuid:case_id>/corrections", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(CorrectionAnswerIn)
@blp.response(200, CaseDetailOut)
def answer(payload: dict, case_id: uuid.UUID) -> dict:
    """Correct the filing (the party who brought it, or their lawyer); it goes back to the court for review."""
    note = payload.pop("note")
    return corrections.answer_correction(case_id=case_id, note=note, changes=payload, actor=current_principal())
