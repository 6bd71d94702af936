"""Personal data rights (PIPL Art. 45, 47): export everything held about you; close your account (注销)."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.privacy import closure, export
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.privacy import ClosureIn, ClosureOut, DataExportStatusOut

blp = Blueprint("mp_privacy", __name__, description="Your personal data: export it, or close your account.")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@blp.route("/me/data-export", methods=["POST"])
@login_required()
@idempotent()
@blp.response(202, DataExportStatusOut)
def request_export() -> tuple:
    """Build the export of all data held about you (profile, cases, consents, logins, notifications, SMS, audit)."""
    return export.request_export(actor=current_principal()), 202, NO_STORE


@blp.route("/me/data-exports/<uuid:build_id>", methods=["GET"])
@login_required()
@blp.response(200, DataExportStatusOut)
def export_status(build_id: uuid.UUID) -> tuple:
    """The export's status; when ready, short-lived links to the ZIP and to the JSON."""
    return export.export_status(build_id=build_id, actor=current_principal()), 200, NO_STORE


@blp.route("/me/closure", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(ClosureIn)
@blp.response(200, ClosureOut)
@blp.alt_response(409, description="Live cases (`privacy.live_cases`, named) or a staff account.")
def close_account(payload: dict) -> tuple:
    """Close your account: refused while you have live cases; afterwards no token of yours works."""
    return closure.close_account(actor=current_principal()), 200, NO_STORE
