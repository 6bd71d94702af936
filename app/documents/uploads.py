"""Uploading a document straight to the store first, then pushing it by reference (`meta.upload_id`).

The court system asks for a signed upload form (S3 presigned POST, or the local store's own), sends the
file to the store, and pushes with the upload's id. On push the server reads the object back and checks
its size, format and SHA-256 against the declaration, exactly as for a multipart file; the object becomes
the document's stored file (never copied, never written again), or is deleted when the push is rejected.
An upload serves one document; unused uploads are deleted by the sweep after they expire.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import uuid
from typing import IO

from sqlalchemy import select

from app.cases import Case
from app.documents import rules as documents_rules
from app.documents.models import DocumentUpload
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db, storage
from app.platform import settings
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock
from app.utils.ids import new_id

EXPIRED_GRACE = dt.timedelta(hours=24)


def serving_court(actor: Principal, court_id: uuid.UUID | None) -> uuid.UUID:
    """The court the caller serves documents for: its only one, or the one named (403 for none, 404 not theirs)."""
    courts = [court for court in permissions.staff_court_ids(actor) if permissions.may_serve_documents(actor, court)]
    if not courts:
        raise Forbidden("Only a court's clerks and court systems serve documents.", reason="document.push_forbidden")
    if court_id is None and len(courts) == 1:
        return courts[0]
    if court_id is None:
        raise ValidationFailed(errors={"court_id": ["Name the court: you act for several."]})
    if court_id not in courts:
        raise ValidationFailed(errors={"court_id": ["Not a court you serve documents for."]})
    return court_id


def create_upload(*, actor: Principal, content_type: str, size: int, sha256: str, court_id: uuid.UUID | None) -> dict:
    """A signed form for one file of exactly this size and type; push it afterwards with its upload_id."""
    court = serving_court(actor, court_id)
    config = settings.documents()
    allowed = {documents_rules.CONTENT_TYPES[kind] for kind in config.file_types}
    errors = {}
    if content_type not in allowed:
        errors["content_type"] = [f"Must be one of {', '.join(sorted(allowed))}."]
    if not 1 <= size <= config.max_bytes:
        errors["size"] = [f"Must be between 1 and {config.max_bytes} bytes."]
    if errors:
        raise ValidationFailed(errors=errors)
    upload_id = new_id()
    key = f"courts/{court}/document-uploads/{upload_id}"
    expires = settings.storage().upload_url_expires_seconds
    form = storage.create_upload_form(
        key=key, content_type=content_type, max_size=size, min_size=size, expires_in=expires
    )
    upload = DocumentUpload(
        id=upload_id,
        court_id=court,
        created_by=actor.scope,
        storage_key=key,
        content_type=content_type,
        declared_size=size,
        declared_sha256=sha256.lower(),
        expires_at=form.expires_at,
    )
    db.session.add(upload)
    db.session.commit()
    fields = {"url": form.url, "fields": form.fields, "method": form.method, "file_field": form.file_field}
    return {"upload_id": upload.id, "upload": fields, "expires_at": form.expires_at}


@dataclasses.dataclass
class Source:
    """The file of a push: a readable, seekable copy, and the upload it came from (None for multipart)."""

    stream: IO[bytes]
    upload: DocumentUpload | None = None


def open_source(*, actor: Principal, case: Case, upload_id: uuid.UUID) -> Source:
    """Read an uploaded object back (422 when unknown, not this caller's or not uploaded)."""
    upload = db.session.scalar(select(DocumentUpload).where(DocumentUpload.id == upload_id).with_for_update())
    if upload is None or upload.created_by != actor.scope or upload.court_id != case.court_id:
        raise ValidationFailed(errors={"upload_id": ["No such upload of yours for this court."]})
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned to the caller, closed there
    try:
        for chunk in storage.iter_chunks(upload.storage_key):
            copy.write(chunk)
    except KeyError:
        copy.close()
        raise ValidationFailed(errors={"upload_id": ["The file has not been uploaded yet."]}) from None
    copy.seek(0)
    return Source(stream=copy, upload=upload)


def claim(source: Source, *, document_id: uuid.UUID, rejected: bool) -> str | None:
    """Bind the upload to its document (409 if it served another); return the object key to keep, if any."""
    upload = source.upload
    if upload is None:
        return None
    if upload.status != "pending":
        raise Conflict("This upload was already pushed as a document.", reason="upload.already_used")
    upload.document_id = document_id
    upload.status = "rejected" if rejected else "used"
    return None if rejected else upload.storage_key


def declared_mismatch(source: Source, intake: documents_rules.Intake) -> str | None:
    """An uploaded file must match the size and SHA-256 declared when the form was issued."""
    upload = source.upload
    if upload is None:
        return None
    if intake.size != upload.declared_size or intake.sha256 != upload.declared_sha256:
        return "sha256_mismatch"
    return None


def purge_expired(*, limit: int = 500) -> int:
    """Delete the objects of uploads never pushed, a day after their form expired (safe to repeat)."""
    cutoff = clock.now() - EXPIRED_GRACE
    query = select(DocumentUpload).where(DocumentUpload.status == "pending", DocumentUpload.expires_at < cutoff)
    rows = list(db.session.scalars(query.limit(limit)))
    for upload in rows:
        storage.delete(upload.storage_key)
        upload.status = "expired"
    db.session.commit()
    return len(rows)
