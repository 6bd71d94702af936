"""Electronic service for court systems and clerks: push documents, read the evidence, get the certificate."""

from __future__ import annotations

import uuid

import flask
from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from app.documents import batch, court_view, uploads
from app.documents import certificate as service_certificate
from app.documents import push as documents_push
from miniprogram_api.auth import DOCUMENT_SERVER, current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.documents_court import CourtDocumentOut
from miniprogram_api.schemas.documents_push import BatchIn, BatchOut, DocumentPushIn, PushOut, UploadIn, UploadOut

MACHINE_OR_STAFF = ("user", "machine")


class _MultipartParser(FlaskParser):
    """The `files` location sees the whole multipart body: text parts (meta) and the file."""

    def load_files(self, req: flask.Request, schema: Schema) -> MultiDictProxy:
        """Load form fields and files together."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


blp = Blueprint("court_documents", __name__, description="Electronic service: push documents and prove service.")
blp.ARGUMENTS_PARSER = _MultipartParser()


@blp.route("/documents", methods=["POST"])
@login_required(kinds=MACHINE_OR_STAFF, role=DOCUMENT_SERVER)
@idempotent(required=True, rerun_committed=True)  # push returns the document its key stored
@blp.arguments(DocumentPushIn, location="files")
@blp.response(201, PushOut)
@blp.alt_response(404, description="No such case at the caller's court.")
@blp.alt_response(422, description="Invalid meta, or the Idempotency-Key was used with another document.")
def push(payload: dict) -> dict:
    """Push one document for service (Idempotency-Key required); delivered, held for a clerk, or rejected."""
    upload = payload.get("file")
    return documents_push.push(
        actor=current_principal(),
        meta=payload["meta"],
        stream=upload.stream if upload else None,
        submission_key=request.headers.get("Idempotency-Key"),
    )


@blp.route("/documents/uploads", methods=["POST"])
@login_required(kinds=MACHINE_OR_STAFF, role=DOCUMENT_SERVER)
@blp.arguments(UploadIn)
@blp.response(201, UploadOut)
def create_upload(payload: dict) -> dict:
    """A signed form to upload one file straight to the store; then push it with `meta.upload_id`."""
    return uploads.create_upload(
        actor=current_principal(),
        content_type=payload["content_type"],
        size=payload["size"],
        sha256=payload["sha256"],
        court_id=payload.get("court_id"),
    )


@blp.route("/documents/batch", methods=["POST"])
@login_required(kinds=MACHINE_OR_STAFF, role=DOCUMENT_SERVER)
@idempotent(rerun_committed=True)  # every item carries its own key
@blp.arguments(BatchIn, location="form", content_type="multipart/form-data")
@blp.response(200, BatchOut)
def push_batch(payload: dict) -> dict:
    """Push many documents: `items` JSON plus one file part per item; each item has its own key and result."""
    files = {name: upload.stream for name, upload in request.files.items()}
    return batch.push_batch(actor=current_principal(), items=payload["items"], files=files)


@blp.route("/documents/<uuid:document_id>", methods=["GET"])
@login_required(kinds=MACHINE_OR_STAFF)
@blp.response(200, CourtDocumentOut)
def detail(document_id: uuid.UUID) -> dict:
    """Status, legal effect, deadline with its explanation, notifications and every hash-chained event."""
    return court_view.court_detail(document_id=document_id, actor=current_principal())


@blp.route("/documents/<uuid:document_id>/certificate.pdf", methods=["GET"])
@login_required(kinds=MACHINE_OR_STAFF)
@blp.doc(
    responses={
        "200": {
            "description": "电子送达凭证",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
def certificate(document_id: uuid.UUID) -> flask.Response:
    """The electronic service certificate (电子送达凭证) as PDF."""
    body = service_certificate.certificate_pdf(document_id=document_id, actor=current_principal())
    response = flask.Response(body, status=200, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{document_id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
