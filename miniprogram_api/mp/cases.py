"""Cases for parties, lawyers and mediators: file, list, read, follow, withdraw."""

from __future__ import annotations

import uuid

from flask import request
from flask_smorest import Blueprint

from app.cases import filing, queries, withdrawal
from app.i18n import current_language
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.cases import (
    CaseCreateIn,
    CaseDetailOut,
    CaseListArgs,
    CasePage,
    TimelineEventOut,
    WithdrawIn,
)

blp = Blueprint("mp_cases", __name__, description="File a case and follow it.")


@blp.route("/cases", methods=["POST"])
@login_required()
@idempotent(rerun_committed=True)  # filing returns the case its creation key made
@blp.arguments(CaseCreateIn)
@blp.response(201, CaseDetailOut)
def create(payload: dict) -> dict:
    """File a dispute for mediation or a case for litigation (Idempotency-Key honoured)."""
    actor = current_principal()
    case = filing.create_case(actor=actor, data=payload, creation_key=request.headers.get("Idempotency-Key"))
    return queries.describe_loaded(case, actor=actor)  # the case in hand, not read again (issue 18)


@blp.route("/cases", methods=["GET"])
@login_required()
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, CasePage)
def list_cases(args: dict) -> object:
    """The caller's cases, newest first, with cursor pagination."""
    return queries.list_cases(
        actor=current_principal(), **{k: args.get(k) for k in ("status", "kind", "cursor", "limit")}
    )


@blp.route("/cases/<uuid:case_id>", methods=["GET"])
@login_required()
@blp.response(200, CaseDetailOut)
def detail(case_id: uuid.UUID) -> dict:
    """A case as the caller may see it (other people's PII masked)."""
    return queries.case_detail(case_id=case_id, actor=current_principal())


@blp.route("/cases/<uuid:case_id>/timeline", methods=["GET"])
@login_required()
@blp.response(200, TimelineEventOut(many=True))
def case_timeline(case_id: uuid.UUID) -> list:
    """Every event of the case, oldest first; `summary` in the reader's language (`Accept-Language`, zh default)."""
    return queries.case_timeline(case_id=case_id, actor=current_principal(), language=current_language())


@blp.route("/cases/<uuid:case_id>/withdraw", methods=["POST"])
@login_required()
@blp.arguments(WithdrawIn)
@blp.response(200, CaseDetailOut)
def withdraw(payload: dict, case_id: uuid.UUID) -> dict:
    """Withdraw the case (the party who brought it, or their lawyer)."""
    return withdrawal.withdraw(case_id=case_id, reason=payload["reason"], actor=current_principal())
