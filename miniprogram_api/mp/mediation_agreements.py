"""Mediation outcomes for phones: outcome, agreement and signatures, judicial confirmation, transfer to court."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.mediation import agreement as mediation_agreement
from app.mediation import confirmation as judicial_confirmation
from app.mediation import confirmation_court, period_end
from app.mediation import outcome as mediation_outcome
from app.mediation import transfer as mediation_transfer
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.cases import CaseDetailOut
from miniprogram_api.schemas.confirmations import ConfirmationApplyIn, ConfirmationCourtOut, ConfirmationOut
from miniprogram_api.schemas.mediation_agreement import (
    AgreementOut,
    AgreementReviseIn,
    AgreementSignIn,
    LitigationTransferIn,
    MediationOutcomeIn,
    MediationOutcomeOut,
)
from miniprogram_api.schemas.mediation_period import ExtensionAgreeIn, MediationPeriodOut

blp = Blueprint("mp_mediation_outcome", __name__, description="Mediation outcome, agreement, confirmation.")


@blp.route("/cases/<uuid:case_id>/outcome", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(MediationOutcomeIn)
@blp.response(200, MediationOutcomeOut)
def outcome(payload: dict, case_id: uuid.UUID) -> dict:
    """The mediator records the outcome: settled (terms) or failed (reason)."""
    return mediation_outcome.record_outcome(
        case_id=case_id,
        result=payload["result"],
        terms=payload.get("terms"),
        reason=payload.get("reason"),
        actor=current_principal(),
    )


@blp.route("/cases/<uuid:case_id>/agreement", methods=["GET"])
@login_required()
@blp.response(200, AgreementOut)
def agreement(case_id: uuid.UUID) -> dict:
    """The mediation agreement, its SHA-256 and who has signed."""
    return mediation_outcome.get_agreement(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/agreement", methods=["PATCH"])
@login_required()
@blp.arguments(AgreementReviseIn)
@blp.response(200, AgreementOut)
def revise(payload: dict, case_id: uuid.UUID) -> dict:
    """The mediator corrects the terms before anyone has signed."""
    return mediation_outcome.revise_agreement(case_id=case_id, terms=payload["terms"], actor=current_principal())


@blp.route("/cases/<uuid:case_id>/agreement/sign", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(AgreementSignIn, required=False)
@blp.response(200, AgreementOut)
def sign(payload: dict, case_id: uuid.UUID) -> dict:
    """A party signs in person (verified real name must match the party)."""
    return mediation_agreement.sign(
        case_id=case_id, signature_evidence_id=payload.get("signature_evidence_id"), actor=current_principal()
    )


@blp.route("/cases/<uuid:case_id>/judicial-confirmation", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(ConfirmationApplyIn, required=False)
@blp.response(201, ConfirmationOut)
def apply(payload: dict, case_id: uuid.UUID) -> dict:
    """A party applies for judicial confirmation within the window after the agreement took effect."""
    return judicial_confirmation.apply(case_id=case_id, actor=current_principal(), court_id=payload.get("court_id"))


@blp.route("/cases/<uuid:case_id>/judicial-confirmation/courts", methods=["GET"])
@login_required()
@blp.response(200, ConfirmationCourtOut(many=True))
def confirmation_courts(case_id: uuid.UUID) -> list[dict]:
    """The courts the parties may ask: the case's court, or the organisation's linked courts (venue marked)."""
    return confirmation_court.options(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/judicial-confirmation", methods=["GET"])
@login_required()
@blp.response(200, ConfirmationOut)
def confirmation(case_id: uuid.UUID) -> dict:
    """The application for judicial confirmation and where it stands."""
    return judicial_confirmation.get(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/judicial-confirmation/consent", methods=["POST"])
@login_required()
@idempotent()
@blp.response(200, ConfirmationOut)
def consent(case_id: uuid.UUID) -> dict:
    """Another party joins the application."""
    return judicial_confirmation.consent(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/mediation-period/extension", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(ExtensionAgreeIn)
@blp.response(200, MediationPeriodOut)
def agree_extension(payload: dict, case_id: uuid.UUID) -> dict:
    """A party agrees to extend the mediation period; every party must, and it is extended once when it ends."""
    return period_end.agree(case_id=case_id, days=payload["days"], actor=current_principal())


@blp.route("/cases/<uuid:case_id>/mediation-period", methods=["GET"])
@login_required()
@blp.response(200, MediationPeriodOut)
def mediation_period(case_id: uuid.UUID) -> dict:
    """The mediation period, the parties' agreements to extend it and the extension applied."""
    return period_end.get(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/transfer-to-litigation", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(LitigationTransferIn)
@blp.response(201, CaseDetailOut)
def transfer(payload: dict, case_id: uuid.UUID) -> dict:
    """A party takes a failed mediation to court as a litigation filing."""
    return mediation_transfer.transfer_to_litigation(
        case_id=case_id, court_id=payload["court_id"], actor=current_principal()
    )
