"""A party's litigation fees: the case's notices to pay, ledger and balance; applying for deferral, reduction
or waiver (缓交、减交、免交)."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.fees import queries, relief
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.fees import CaseFeesOut, FeeReliefIn, FeeReliefOut

blp = Blueprint("mp_fees", __name__, description="Litigation fees: notices, ledger, deferral/reduction/waiver.")


@blp.route("/cases/<uuid:case_id>/fees", methods=["GET"])
@login_required()
@blp.response(200, CaseFeesOut)
def case_fees(case_id: uuid.UUID) -> dict:
    """The caller's parties' notices (amount, basis, deadline), ledger entries, balance and applications."""
    return queries.case_fees(case_id=case_id, actor=current_principal())


@blp.route("/fee-notices/<uuid:notice_id>/relief", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(FeeReliefIn)
@blp.response(201, FeeReliefOut)
def apply_for_relief(payload: dict, notice_id: uuid.UUID) -> dict:
    """Apply to defer (requested_until), reduce (requested_amount_fen, at least 30%) or waive the fee."""
    return relief.apply(
        notice_id=notice_id,
        actor=current_principal(),
        kind=payload["kind"],
        reasons=payload["reasons"],
        evidence_ids=payload.get("evidence_ids", []),
        requested_amount_fen=payload.get("requested_amount_fen"),
        requested_until=payload.get("requested_until"),
    )
