"""The local store's upload target and download links, served by the app so phones cannot tell it from S3.

`POST /storage/uploads` takes exactly what an S3 presigned POST takes (the form's fields plus one `file`
part) and answers 204 like S3. Failures use the one error shape: 403 `storage.*` for a bad signature,
expired form, other key or other type; 413 `storage.too_large` over the signed size (S3 itself answers
400 EntityTooLarge), 413 `request.too_large` over MAX_CONTENT_LENGTH; 400 `storage.too_small` for an empty
file. `GET /storage/objects` streams a file for a signed link. Both answer 404 unless STORAGE_BACKEND=local.
"""

from __future__ import annotations

import flask
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from app.storage import serving
from miniprogram_api.auth import public
from miniprogram_api.schemas.base import InSchema

BINARY = {"schema": {"type": "string", "format": "binary"}}


class _MultipartParser(FlaskParser):
    """The `files` location sees the whole multipart body (text fields and the file), as S3 does."""

    def load_files(self, req: flask.Request, schema: Schema) -> MultiDictProxy:
        """Load form fields and files together."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class UploadFormIn(InSchema):
    """The fields of a form from `create_upload_form`, plus the file as the last part."""

    key = fields.String(required=True)
    content_type = fields.String(required=True, data_key="Content-Type")
    policy = fields.String(required=True)
    signature = fields.String(required=True)
    file = Upload(required=True)


class DownloadArgs(InSchema):
    """The query of a signed download link."""

    key = fields.String(required=True)
    exp = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    sig = fields.String(required=True)


blp = Blueprint("storage", __name__, description="Signed uploads and downloads of the local blob store.")
blp.ARGUMENTS_PARSER = _MultipartParser()


@blp.before_request
def _only_for_local_store() -> None:
    """404 before the body is read when another backend is configured."""
    serving.local_store()


@blp.route("/storage/uploads", methods=["POST"])
@public
@blp.arguments(UploadFormIn, location="files")
@blp.response(204, description="Stored, like S3's default success_action_status.")
@blp.alt_response(403, description="Bad signature, expired form, or another key or type (`storage.*`).")
@blp.alt_response(413, description="Over the signed size or MAX_CONTENT_LENGTH.")
def upload(form: dict) -> flask.Response:
    """Store a file posted with a signed form (what `wx.uploadFile` sends)."""
    signed = {"key": form["key"], "Content-Type": form["content_type"]}
    signed.update(policy=form["policy"], signature=form["signature"])
    serving.accept_local_upload(fields=signed, stream=form["file"].stream)
    response = flask.Response(status=204)
    del response.headers["Content-Type"]  # an empty 204, as S3 sends
    return response


@blp.route("/storage/objects", methods=["GET"])
@public
@blp.arguments(DownloadArgs, location="query")
@blp.doc(responses={"200": {"description": "The file, as an attachment.", "content": {"*/*": BINARY}}})
@blp.alt_response(403, description="The link was tampered with or has expired (`storage.*`).")
@blp.alt_response(404, description="The object no longer exists.")
def download(params: dict) -> flask.Response:
    """Stream a file for a signed link with its signed name and type."""
    opened = serving.open_local_download(params=params)
    response = flask.Response(opened.chunks, status=200, content_type=opened.content_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(opened.size)
    response.headers["Content-Disposition"] = opened.content_disposition
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
