"""Verifying an uploaded object by reading it once: size, magic bytes, archive trailer, SHA-256, PDF pages.

Memory stays bounded (one chunk plus a 64 KiB tail) whatever the size; time grows with the size, because
the only way to know an object's SHA-256 is to read all of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

from app.evidence import file_types as types
from app.evidence import rules as rules
from app.storage.base import BlobStore

HEAD_BYTES = 4096  # enough for every magic number and an `ftyp` box with its compatible brands


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What reading the object showed; `reason` is None when it may be stored."""

    reason: str | None
    size: int
    sha256: str | None = None
    detected_type: str | None = None
    page_count: int | None = None


def read(store: BlobStore, key: str) -> tuple[int, str, bytes, bytes, int | None]:
    """Stream the object once: (size, sha256, first bytes, last bytes, PDF page count or None).

    Raises KeyError when the object is missing and StorageUnavailable when the store fails mid-way.
    """
    digest = hashlib.sha256()
    head, tail, size = b"", b"", 0
    pages = types.PdfPageCounter()
    chunks = store.iter_chunks(key)
    try:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            tail = (tail + chunk)[-types.ZIP_TAIL_BYTES :]
            if head.startswith(b"%PDF-"):
                pages.feed(chunk)
    finally:
        chunks.close()
    return size, digest.hexdigest(), head, tail, pages.result() if head.startswith(b"%PDF-") else None


def verify(store: BlobStore, key: str, *, declared_type: str, declared_size: int, declared_sha256: str) -> Verdict:
    """Check the object at `key` against what the uploader declared."""
    size, sha256, head, tail, pages = read(store, key)
    if size != declared_size:
        return Verdict(rules.SIZE_MISMATCH, size, sha256)
    detected = types.sniff(head)
    if detected is None:
        return Verdict(rules.TYPE_NOT_ALLOWED, size, sha256)
    if not types.consistent(declared_type, detected):
        return Verdict(rules.TYPE_MISMATCH, size, sha256, detected)
    if types.zip_trailer(tail):
        return Verdict(rules.ARCHIVE, size, sha256, detected)
    if not hmac.compare_digest(sha256, declared_sha256):
        return Verdict(rules.HASH_MISMATCH, size, sha256, detected)
    return Verdict(None, size, sha256, detected, pages)
