"""The court's steps after acceptance: start the trial, record the decision (结案), a party's domicile, the
appellate court's conclusion; the litigation view for court systems."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.litigation import court_actions, queries
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.cases import CaseDetailOut
from miniprogram_api.schemas.litigation import DecisionIn, DomicileIn, DomicileOut, LitigationOut, NoteIn

blp = Blueprint("court_litigation", __name__, description="Litigation after acceptance at the caller's court.")
STAFF = ("user", "machine")


@blp.route("/cases/<uuid:case_id>/trial/start", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(NoteIn, required=False)
@blp.response(200, CaseDetailOut)
def start_trial(payload: dict, case_id: uuid.UUID) -> dict:
    """accepted (or after a hearing) -> in_trial; 409 case.illegal_transition from any other state."""
    return court_actions.start_trial(case_id=case_id, note=payload.get("note"), actor=current_principal())


@blp.route("/cases/<uuid:case_id>/decision", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(DecisionIn)
@blp.response(200, CaseDetailOut)
def record_decision(payload: dict, case_id: uuid.UUID) -> dict:
    """Record the decision and its closing method: closed at once, or adjudicated once the document is served."""
    return court_actions.record_decision(case_id=case_id, actor=current_principal(), **payload)


@blp.route("/cases/<uuid:case_id>/appeal/concluded", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(NoteIn, required=False)
@blp.response(200, CaseDetailOut)
def conclude_appeal(payload: dict, case_id: uuid.UUID) -> dict:
    """The appellate court's final judgment or ruling was made: appealed -> effective."""
    return court_actions.conclude_appeal(case_id=case_id, note=payload.get("note"), actor=current_principal())


@blp.route("/cases/<uuid:case_id>/parties/<uuid:party_id>/domicile", methods=["PUT"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(DomicileIn)
@blp.response(200, DomicileOut)
def set_domicile(payload: dict, case_id: uuid.UUID, party_id: uuid.UUID) -> dict:
    """Record whether a party has no domicile in China (its appeal period becomes 30 days)."""
    return court_actions.set_domicile(
        case_id=case_id, party_id=party_id, domicile_abroad=payload["domicile_abroad"], actor=current_principal()
    )


@blp.route("/cases/<uuid:case_id>/litigation", methods=["GET"])
@login_required(kinds=STAFF)
@blp.response(200, LitigationOut)
def overview(case_id: uuid.UUID) -> dict:
    """The decision, every party's appeal deadline (explained), the appeals and enforcement applications."""
    return queries.overview(case_id=case_id, actor=current_principal())
