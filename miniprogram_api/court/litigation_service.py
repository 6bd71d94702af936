"""Service of a document by other means (paper, post, lodging, announcement), so its periods can run."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.documents import other_service
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.documents_court import CourtDocumentOut
from miniprogram_api.schemas.other_service import OtherServiceIn

blp = Blueprint("court_other_service", __name__, description="Service of a document by means outside the platform.")
STAFF = ("user", "machine")


@blp.route("/documents/<uuid:document_id>/other-service", methods=["POST"])
@login_required(kinds=STAFF)
@idempotent()
@blp.arguments(OtherServiceIn)
@blp.response(200, CourtDocumentOut)
def record_other_service(payload: dict, document_id: uuid.UUID) -> dict:
    """Record that the recipient was served another way; the document counts as served from then (appeal period,
    legal effect). 409 document.already_served once served; 403 for a judge; 404 outside the court."""
    return other_service.record(document_id=document_id, actor=current_principal(), **payload)
