"""Evidence for parties, lawyers, mediators and the court: upload, verify, catalogue, exchange, cross-examine."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.evidence import catalogue as evidence_catalogue
from app.evidence import complete as evidence_complete
from app.evidence import opinions, uploads
from app.evidence import period as evidence_period
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.evidence import (
    EvidenceDetailOut,
    EvidenceOut,
    EvidencePage,
    OpinionIn,
    OpinionOut,
    UploadRequestIn,
    UploadTicketOut,
)
from miniprogram_api.schemas.evidence_period import EvidenceExtensionApplyIn, EvidenceExtensionOut, EvidencePeriodOut
from miniprogram_api.schemas.pages import CursorArgs

blp = Blueprint("mp_evidence", __name__, description="Evidence: direct uploads, catalogue, exchange, 质证.")


@blp.route("/cases/<uuid:case_id>/evidence/uploads", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(UploadRequestIn)
@blp.response(201, UploadTicketOut)
@blp.alt_response(413, description="Larger than allowed for the type (`evidence.too_large`).")
@blp.alt_response(409, description="A file-count or byte quota is used up, or the case is closed.")
def request_upload(payload: dict, case_id: uuid.UUID) -> object:
    """Declare a file and get a form to post it straight to the store (wx.uploadFile)."""
    return uploads.request_upload(case_id=case_id, data=payload, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/evidence", methods=["GET"])
@login_required()
@blp.arguments(CursorArgs, location="query")
@blp.response(200, EvidencePage)
def catalogue(args: dict, case_id: uuid.UUID) -> object:
    """The catalogue: your party's items (drafts too) and other parties' submitted items."""
    return evidence_catalogue.list_catalogue(
        case_id=case_id, actor=current_principal(), cursor=args.get("cursor"), limit=args.get("limit")
    )


@blp.route("/evidence/<uuid:evidence_id>/complete", methods=["POST"])
@login_required()
@idempotent()
@blp.response(202, EvidenceOut, description="Accepted: the item is `verifying`; poll GET /evidence/{id}.")
@blp.alt_response(200, schema=EvidenceOut, description="Already decided: the item, unchanged (stored or rejected).")
@blp.alt_response(409, description="Not uploaded yet (`evidence.not_uploaded`).")
@blp.alt_response(503, description="The store is unavailable; the item stays pending. Retry after Retry-After.")
def complete(evidence_id: uuid.UUID) -> object:
    """The file is uploaded: the server verifies it in the background (`verifying`, 202) and then stores it or
    rejects it with a reason. Calling again is harmless: it answers with the item's current state and starts
    no second check (200 once decided)."""
    item = evidence_complete.complete(evidence_id=evidence_id, actor=current_principal())
    return item, 202 if item.status == "verifying" else 200


@blp.route("/evidence/<uuid:evidence_id>", methods=["GET"])
@login_required()
@blp.response(200, EvidenceDetailOut)
def detail(evidence_id: uuid.UUID) -> object:
    """The item with a 5-minute download link, its custody and the opinions on it (this read is recorded)."""
    return evidence_catalogue.detail(evidence_id=evidence_id, actor=current_principal())


@blp.route("/evidence/<uuid:evidence_id>/submit", methods=["POST"])
@login_required()
@blp.response(200, EvidenceOut)
def submit(evidence_id: uuid.UUID) -> object:
    """Share a stored item with the other parties, the mediator and the court."""
    return evidence_catalogue.submit(evidence_id=evidence_id, actor=current_principal())


@blp.route("/evidence/<uuid:evidence_id>", methods=["DELETE"])
@login_required()
@blp.response(204)
def delete(evidence_id: uuid.UUID) -> None:
    """Delete a draft (never a submitted item)."""
    evidence_catalogue.delete(evidence_id=evidence_id, actor=current_principal())


@blp.route("/evidence/<uuid:evidence_id>/opinions", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(OpinionIn)
@blp.response(201, OpinionOut)
def opinion(payload: dict, evidence_id: uuid.UUID) -> object:
    """Record your party's opinion on another party's item: authenticity, legality, relevance (质证)."""
    return opinions.record_opinion(evidence_id=evidence_id, data=payload, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/evidence-period", methods=["GET"])
@login_required()
@blp.response(200, EvidencePeriodOut)
@blp.alt_response(409, description="The court has not set a period (`evidence_period.not_set`).")
def period(case_id: uuid.UUID) -> object:
    """The evidence period (举证期限): its end explained, the notices served, extensions granted and your own."""
    return evidence_period.get(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/evidence-period/extensions", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(EvidenceExtensionApplyIn)
@blp.response(201, EvidenceExtensionOut)
@blp.alt_response(409, description="No period, the period has ended, or an application is already pending.")
def apply_for_extension(payload: dict, case_id: uuid.UUID) -> object:
    """Apply, before the period ends, for more days to give evidence; the court grants or refuses."""
    return evidence_period.apply_for_extension(case_id=case_id, data=payload, actor=current_principal())
