"""The court's full case file: every stored submitted evidence item, every served document, certificates, timeline."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.casefile import service as casefile
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.casefile import CaseFileStatusOut

blp = Blueprint("court_casefile", __name__, description="The full case file of a case at the caller's court.")
STAFF = ("user", "machine")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@blp.route("/cases/<uuid:case_id>/case-file", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.response(202, CaseFileStatusOut)
def request_full_case_file(case_id: uuid.UUID) -> tuple:
    """Build (or answer the build already made of) the full case file of a case at the caller's court."""
    return casefile.request_case_file(case_id=case_id, actor=current_principal(), full=True), 202, NO_STORE


@blp.route("/case-files/<uuid:build_id>", methods=["GET"])
@login_required(kinds=STAFF)
@blp.response(200, CaseFileStatusOut)
def full_case_file_status(build_id: uuid.UUID) -> tuple:
    """The build's status; when ready, a short-lived download link."""
    return casefile.build_status(build_id=build_id, actor=current_principal(), full=True), 200, NO_STORE
