"""The case file in hand (卷宗) for a party or their lawyer: request the archive, poll it, download it."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.casefile import service as casefile
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.casefile import CaseFileStatusOut

blp = Blueprint("mp_casefile", __name__, description="The case file: a ZIP of the materials you may see, with index.")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@blp.route("/cases/<uuid:case_id>/case-file", methods=["POST"])
@login_required()
@idempotent()
@blp.response(202, CaseFileStatusOut)
def request_case_file(case_id: uuid.UUID) -> tuple:
    """Build (or answer the build already made of) your case file; rebuilt only when the case changed."""
    return casefile.request_case_file(case_id=case_id, actor=current_principal()), 202, NO_STORE


@blp.route("/case-files/<uuid:build_id>", methods=["GET"])
@login_required()
@blp.response(200, CaseFileStatusOut)
def case_file_status(build_id: uuid.UUID) -> tuple:
    """The build's status; when ready, a download link that lives a few minutes (ask again for a fresh one)."""
    return casefile.build_status(build_id=build_id, actor=current_principal()), 200, NO_STORE
