"""The BlobStore `copy` that `complete` relies on, on every adapter (local over HTTP; Ceph RGW or moto)."""

from __future__ import annotations

import uuid

import pytest

from app.storage.base import BlobStore


def key() -> str:
    return f"cases/{uuid.uuid4()}/evidence/{uuid.uuid4().hex}"


def test_copy_keeps_bytes_and_type_and_later_writes_to_the_source_do_not_reach_the_copy(blob_store: BlobStore):
    source, target = key() + ".upload", key()
    blob_store.put(source, b"%PDF-1.7 original", content_type="application/pdf")

    info = blob_store.copy(source, target)

    assert (info.key, info.size) == (target, len(b"%PDF-1.7 original"))
    assert blob_store.head(target).content_type == "application/pdf"
    blob_store.put(source, b"%PDF-1.7 replayed!", content_type="application/pdf")  # a replayed form, same size
    assert b"".join(blob_store.iter_chunks(target)) == b"%PDF-1.7 original"
    blob_store.delete(source)
    assert blob_store.head(target) is not None


def test_copying_a_missing_object_is_a_keyerror_and_creates_nothing(blob_store: BlobStore):
    target = key()
    with pytest.raises(KeyError):
        blob_store.copy(key(), target)
    assert blob_store.head(target) is None
