"""A party's side of litigation after acceptance: the litigation view, appeals and enforcement applications."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.litigation import appeals, enforcement, queries
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.litigation import AppealIn, AppealOut, EnforcementIn, EnforcementOut, LitigationOut

blp = Blueprint("mp_litigation", __name__, description="Judgment, appeal and enforcement for the parties.")


@blp.route("/cases/<uuid:case_id>/litigation", methods=["GET"])
@login_required()
@blp.response(200, LitigationOut)
def overview(case_id: uuid.UUID) -> dict:
    """The decision, every party's appeal deadline with its explanation, appeals and enforcement."""
    return queries.overview(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/appeals", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(AppealIn)
@blp.response(201, AppealOut)
def file_appeal(payload: dict, case_id: uuid.UUID) -> dict:
    """Appeal the served decision inside your period (409 litigation.appeal_out_of_time, explained, after it)."""
    return appeals.file(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/cases/<uuid:case_id>/enforcement-applications", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(EnforcementIn)
@blp.response(201, EnforcementOut)
def apply_for_enforcement(payload: dict, case_id: uuid.UUID) -> dict:
    """Apply for enforcement of the effective decision or confirmed agreement within the two-year period."""
    return enforcement.apply(case_id=case_id, actor=current_principal(), **payload)
