"""The BlobStore port: what the core needs from any object store."""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import BinaryIO

from app.errors import AppError

CHUNK_SIZE = 256 * 1024


@dataclasses.dataclass(frozen=True)
class UploadForm:
    """A multipart POST target a phone can use as-is (`wx.uploadFile`): url + fields + the file."""

    url: str
    fields: dict[str, str]
    expires_at: dt.datetime
    method: str = "POST"
    file_field: str = "file"


@dataclasses.dataclass(frozen=True)
class BlobInfo:
    """What the store says about one object."""

    key: str
    size: int
    content_type: str | None = None
    last_modified: dt.datetime | None = None


class UploadRejected(AppError):
    """An upload broke its form's conditions (size, type, key, expiry or signature)."""

    http_status = 403
    reason = "storage.upload_rejected"
    default_message = "The upload does not satisfy the signed form."


class BlobStore(abc.ABC):
    """Port for object storage; both adapters pass tests/integration/storage contract suite."""

    name: str = "abstract"

    @abc.abstractmethod
    def create_upload_form(
        self, *, key: str, content_type: str, max_size: int, min_size: int = 1, expires_in: int = 900
    ) -> UploadForm:
        """Return a signed multipart POST form bound to this exact key, type and size range."""

    @abc.abstractmethod
    def put(self, key: str, data: bytes | BinaryIO, *, content_type: str) -> BlobInfo:
        """Store bytes written by the server itself (documents, certificates)."""

    @abc.abstractmethod
    def head(self, key: str) -> BlobInfo | None:
        """Return the object's size and type, or None when it does not exist."""

    @abc.abstractmethod
    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Stream the object's bytes without loading it whole; KeyError when missing."""

    @abc.abstractmethod
    def download_url(self, key: str, *, filename: str, content_type: str | None = None, expires_in: int = 300) -> str:
        """Return a short-lived URL that downloads the object as an attachment named `filename`."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Iterate over objects under a prefix (for clean-up sweeps)."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageUnavailable when the store cannot be reached or the bucket is missing."""
