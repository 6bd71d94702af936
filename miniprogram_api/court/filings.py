"""Court review of litigation filings: the queue, accept (case number), reject, request correction (补正)."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.cases import corrections, review
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.cases import CaseDetailOut
from miniprogram_api.schemas.review import AcceptIn, CorrectionRequestIn, FilingListArgs, FilingPage, RejectIn

blp = Blueprint("court_filings", __name__, description="Review litigation filings at the caller's court.")
STAFF = ("user", "machine")


@blp.route("/filings", methods=["GET"])
@login_required(kinds=STAFF)
@blp.arguments(FilingListArgs, location="query")
@blp.response(200, FilingPage)
def list_filings(args: dict) -> object:
    """Litigation filings at the caller's court(s) in one state (default submitted), oldest submitted first."""
    return review.list_filings(
        actor=current_principal(),
        status=args["status"],  # always there: the schema's load_default
        court_id=args.get("court_id"),
        cursor=args.get("cursor"),
        limit=args.get("limit"),
    )


@blp.route("/cases/<uuid:case_id>/accept", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(AcceptIn, required=False)
@blp.response(200, CaseDetailOut)
def accept(payload: dict, case_id: uuid.UUID) -> dict:
    """Accept the filing (立案) with a new case number, or with the court system's own number."""
    return review.accept(case_id=case_id, case_number=payload.get("case_number"), actor=current_principal())


@blp.route("/cases/<uuid:case_id>/reject", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(RejectIn)
@blp.response(200, CaseDetailOut)
def reject(payload: dict, case_id: uuid.UUID) -> dict:
    """Do not accept the filing (不予受理), with the reasons."""
    return review.reject(case_id=case_id, reason=payload["reason"], actor=current_principal())


@blp.route("/cases/<uuid:case_id>/request-correction", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(CorrectionRequestIn)
@blp.response(200, CaseDetailOut)
def request_correction(payload: dict, case_id: uuid.UUID) -> dict:
    """Ask the filer to correct the filing within due_days (the due time ends at 24:00 Asia/Shanghai)."""
    return corrections.request_correction(case_id=case_id, actor=current_principal(), **payload)
