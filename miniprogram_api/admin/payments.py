"""Platform operators: every daily reconciliation of WeChat Pay's bill against the fee ledger, platform-wide."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.payments import reconciliation
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.payments import ReconciliationOut

blp = Blueprint("admin_payments", __name__, description="WeChat Pay reconciliation for platform operators.")


@blp.route("/payments/reconciliations", methods=["GET"])
@login_required()
@blp.response(200, ReconciliationOut(many=True))
def list_reconciliations() -> list[dict]:
    """The latest reports, newest first, each with every difference (any court's, and those no case explains)."""
    return reconciliation.list_all(actor=current_principal())
