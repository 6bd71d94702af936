"""Serving the local store's signed upload forms and download links (S3 serves its own)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from app.errors import NotFound
from app.extensions import storage
from app.storage.base import BlobInfo, content_disposition
from app.storage.local import LocalBlobStore

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class LocalDownload:
    """An open object ready to stream, with the headers its signed link promised."""

    chunks: Iterator[bytes]
    size: int
    content_type: str
    content_disposition: str


def local_store() -> LocalBlobStore:
    """The local store, or 404 when another backend is configured (these routes then do not exist)."""
    store = storage.store
    if not isinstance(store, LocalBlobStore):
        raise NotFound()
    return store


def accept_local_upload(*, fields: Mapping[str, str], stream: BinaryIO) -> BlobInfo:
    """Check a posted form against its signed policy and store the file (raises UploadRejected)."""
    info = local_store().accept_upload(fields, stream)
    log.info("local upload stored", extra={"key": info.key, "size": info.size})
    return info


def open_local_download(*, params: Mapping[str, str]) -> LocalDownload:
    """Check a signed link and open its object (403 tampered/expired, 404 when the object is gone)."""
    store = local_store()
    wanted = store.verify_download(params)
    info = store.head(wanted["key"])
    if info is None:
        raise NotFound()
    try:
        chunks = store.iter_chunks(wanted["key"])
    except KeyError:
        raise NotFound() from None
    return LocalDownload(
        chunks=chunks,
        size=info.size,
        content_type=wanted["type"],
        content_disposition=content_disposition(wanted["name"]),
    )
