"""The evidence period at the court: set it (serving 举证通知书), extend it, decide applications and late evidence."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.evidence import period as evidence_period
from app.litigation import evidence_period as period_commands
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.evidence import EvidenceOut
from miniprogram_api.schemas.evidence_period import (
    EvidenceExtensionDecideIn,
    EvidencePeriodExtendIn,
    EvidencePeriodOut,
    EvidencePeriodSetIn,
    LateEvidenceDecisionIn,
)

blp = Blueprint("court_evidence_period", __name__, description="The evidence period (举证期限) and late evidence.")
KINDS = ("user", "machine")


@blp.route("/cases/<uuid:case_id>/evidence-period", methods=["GET"])
@login_required(kinds=KINDS)
@blp.response(200, EvidencePeriodOut)
def show(case_id: uuid.UUID) -> object:
    """The period, every extension and application, the submitted late items waiting for a decision, and the
    parties still without the current notice."""
    return period_commands.court_view(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/evidence-period/notices", methods=["POST"])
@login_required(kinds=KINDS)
@idempotent()
@blp.response(200, EvidencePeriodOut)
def serve_notices(case_id: uuid.UUID) -> object:
    """Serve the current notice to the parties who have none yet (a push failed); harmless when all have it."""
    return period_commands.serve_notices(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/evidence-period", methods=["POST"])
@login_required(kinds=KINDS)
@idempotent()
@blp.arguments(EvidencePeriodSetIn)
@blp.response(201, EvidencePeriodOut)
def set_period(payload: dict, case_id: uuid.UUID) -> object:
    """Set the period under the case's procedure and serve the evidence notice to every party (clerk, court system)."""
    return period_commands.set_period(
        case_id=case_id,
        procedure=payload["procedure"],
        days=payload["days"],
        reason=payload.get("reason"),
        actor=current_principal(),
    )


@blp.route("/cases/<uuid:case_id>/evidence-period/extend", methods=["POST"])
@login_required(kinds=KINDS)
@idempotent()
@blp.arguments(EvidencePeriodExtendIn)
@blp.response(200, EvidencePeriodOut)
def extend(payload: dict, case_id: uuid.UUID) -> object:
    """Extend the period of the court's own motion, serving the new notice to every party."""
    return period_commands.extend(
        case_id=case_id, days=payload["days"], reason=payload["reason"], actor=current_principal()
    )


@blp.route("/cases/<uuid:case_id>/evidence-period/extensions/<uuid:extension_id>/decide", methods=["POST"])
@login_required(kinds=KINDS)
@idempotent()
@blp.arguments(EvidenceExtensionDecideIn)
@blp.response(200, EvidencePeriodOut)
def decide_extension(payload: dict, case_id: uuid.UUID, extension_id: uuid.UUID) -> object:
    """Grant (extending for every party, with a new notice) or refuse a party's application."""
    return period_commands.decide_extension(
        case_id=case_id,
        extension_id=extension_id,
        granted=payload["granted"],
        days=payload.get("days"),
        reason=payload["reason"],
        actor=current_principal(),
    )


@blp.route("/evidence/<uuid:evidence_id>/late-decision", methods=["POST"])
@login_required(kinds=KINDS)
@idempotent()
@blp.arguments(LateEvidenceDecisionIn)
@blp.response(200, EvidenceOut)
def late_decision(payload: dict, evidence_id: uuid.UUID) -> object:
    """Admit or refuse a submitted late item (逾期举证); the parties see the decision on the item and the timeline."""
    return evidence_period.decide_late(
        evidence_id=evidence_id, admitted=payload["admitted"], reason=payload["reason"], actor=current_principal()
    )
