"""The BlobStore port: what the core needs from any object store."""

from __future__ import annotations

import abc
import builtins
import dataclasses
import datetime as dt
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterator
from typing import BinaryIO

from app.errors import AppError

CHUNK_SIZE = 256 * 1024
LIST_PAGE_SIZE = 1000  # S3's own maximum for one ListObjectsV2 answer
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$")
MAX_FILENAME_CHARS = 150


def check_key(key: str) -> str:
    """Refuse keys that could escape the root or smuggle odd bytes; keys are server-made anyway."""
    if not KEY_PATTERN.match(key) or ".." in key.split("/") or "//" in key or key.endswith("/"):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def content_disposition(filename: str) -> str:
    """An attachment header with an ASCII fallback and the RFC 5987 UTF-8 name (both always safe)."""
    # Control and format characters (CR, LF, NUL, RTL override ...) and path or quoting characters go.
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", filename) if ch.isprintable() and ch not in '"\\/')
    cleaned = _shorten(cleaned.strip(" .")) or "download"
    ascii_name = "".join(ch if ch.isascii() else "_" for ch in cleaned)
    quoted = urllib.parse.quote(cleaned, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


def _shorten(name: str) -> str:
    """Cut an over-long name in its stem so the extension survives."""
    if len(name) <= MAX_FILENAME_CHARS:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        return name[:MAX_FILENAME_CHARS]
    return stem[: MAX_FILENAME_CHARS - len(ext) - 1] + "." + ext


class ChunkStream(Iterator[bytes]):
    """Chunks of an opened object; releases it when exhausted, on an error, or on close() (even unread)."""

    def __init__(self, read: Callable[[int], bytes], close: Callable[[], object], chunk_size: int) -> None:
        self._read = read
        self._close = close
        self._chunk_size = chunk_size
        self.closed = False

    def __next__(self) -> bytes:
        if self.closed:
            raise StopIteration
        try:
            chunk = self._read(self._chunk_size)
        except BaseException:
            self.close()
            raise
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        """Release the underlying file or connection (WSGI servers call this when a response ends)."""
        if not self.closed:
            self.closed = True
            self._close()


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
    """An upload or download link broke its signed conditions (signature, expiry, key or type)."""

    http_status = 403
    reason = "storage.upload_rejected"
    default_message = "The upload does not satisfy the signed form."


class UploadTooLarge(UploadRejected):
    """The file is larger than the form allows (413; S3 itself answers 400 EntityTooLarge)."""

    http_status = 413
    reason = "storage.too_large"
    default_message = "The file is larger than the form allows."


class UploadTooSmall(UploadRejected):
    """The file is smaller than the form allows (400, as S3's EntityTooSmall)."""

    http_status = 400
    reason = "storage.too_small"
    default_message = "The file is smaller than the form allows."


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
    def copy(self, source: str, target: str) -> BlobInfo:
        """Copy an object to another key inside the store (no bytes through the app on S3); KeyError when missing."""

    @abc.abstractmethod
    def head(self, key: str) -> BlobInfo | None:
        """Return the object's size and type, or None when it does not exist."""

    @abc.abstractmethod
    def iter_chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> ChunkStream:
        """Stream the object's bytes without loading it whole; KeyError (at call time) when missing.

        Iterate to the end or call close(): either releases the file or connection.
        """

    @abc.abstractmethod
    def download_url(self, key: str, *, filename: str, content_type: str | None = None, expires_in: int = 300) -> str:
        """Return a short-lived URL that downloads the object as an attachment named `filename`."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Iterate over objects under a prefix (for clean-up sweeps), fetching lazily as it goes."""

    def list_pages(
        self, prefix: str = "", *, page_size: int = LIST_PAGE_SIZE
    ) -> Iterator[builtins.list[BlobInfo]]:  # `list` here is the method above
        """The objects under a prefix in pages of at most `page_size`, fetched one page at a time.

        A sweep holds one page in memory and looks its keys up in one query, however large the store is.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size!r}")
        page: list[BlobInfo] = []
        for info in self.list(prefix):
            page.append(info)
            if len(page) == page_size:
                yield page
                page = []
        if page:
            yield page

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageUnavailable when the store cannot be reached or the bucket is missing."""
