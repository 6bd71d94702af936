"""The recipient's inbox of served documents: read, download, acknowledge (签收)."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.documents import recipient
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.documents_recipient import DownloadOut, InboxPage, RecipientDocumentOut
from miniprogram_api.schemas.pages import CursorArgs

blp = Blueprint("mp_documents", __name__, description="Documents served on the caller or the parties they act for.")


@blp.route("/documents", methods=["GET"])
@login_required()
@blp.arguments(CursorArgs, location="query")
@blp.response(200, InboxPage)
def inbox(args: dict) -> object:
    """The inbox, newest delivery first, with cursor pagination."""
    return recipient.inbox(actor=current_principal(), cursor=args.get("cursor"), limit=args.get("limit"))


@blp.route("/documents/<uuid:document_id>", methods=["GET"])
@login_required()
@blp.response(200, RecipientDocumentOut)
def detail(document_id: uuid.UUID) -> dict:
    """The document, its legal effect and deadline; records `opened`."""
    return recipient.open_document(document_id=document_id, actor=current_principal())


@blp.route("/documents/<uuid:document_id>/download", methods=["GET"])
@login_required()
@blp.response(200, DownloadOut)
def download(document_id: uuid.UUID) -> dict:
    """A short-lived download link; records `downloaded`."""
    return recipient.download(document_id=document_id, actor=current_principal())


@blp.route("/documents/<uuid:document_id>/acknowledge", methods=["POST"])
@login_required()
@blp.response(200, RecipientDocumentOut)
def acknowledge(document_id: uuid.UUID) -> dict:
    """签收: acknowledge receipt (once)."""
    return recipient.acknowledge(document_id=document_id, actor=current_principal())
