"""The paged listing every adapter offers (the sweeps' view of a store): bounded pages, fetched one at a time."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from app.errors import StorageUnavailable
from app.storage.base import BlobStore
from app.storage.local import LocalBlobStore
from app.storage.s3 import S3BlobStore
from tests.integration.storage.helpers import Case

pytestmark = pytest.mark.timeout(60)


def test_pages_hold_at_most_page_size_keys_and_together_are_the_listing(blob_store: BlobStore):
    case, other = Case(), Case()
    keys = sorted(case.key() for _ in range(7))
    for number, key in enumerate(keys):
        blob_store.put(key, b"x" * (number + 1), content_type="application/pdf")
    blob_store.put(other.key(), b"elsewhere", content_type="application/pdf")

    pages = list(blob_store.list_pages(case.prefix, page_size=3))

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [info.key for page in pages for info in page] == keys  # key order, each key once
    assert [info.size for page in pages for info in page] == list(range(1, 8))
    assert all(info.last_modified is not None for page in pages for info in page)
    assert [info.key for info in blob_store.list(case.prefix)] == keys
    assert [len(page) for page in blob_store.list_pages(case.prefix)] == [7]  # the default page holds them all
    assert list(blob_store.list_pages(Case().prefix, page_size=3)) == []
    with pytest.raises(ValueError):
        list(blob_store.list_pages(case.prefix, page_size=0))


def test_s3_fetches_one_page_per_request_and_only_when_asked(s3_store: S3BlobStore):
    case = Case()
    for _ in range(5):
        s3_store.put(case.key(), b"x", content_type="application/pdf")
    requests: list[int] = []

    def count(params, **_kwargs):
        requests.append(params["MaxKeys"])

    s3_store.client.meta.events.register("provide-client-params.s3.ListObjectsV2", count)
    try:
        pages = s3_store.list_pages(case.prefix, page_size=2)
        assert len(next(pages)) == 2 and requests == [2]  # the first page is one request, the rest not yet fetched
        assert [len(page) for page in pages] == [2, 1] and requests == [2, 2, 2]
    finally:
        s3_store.client.meta.events.unregister("provide-client-params.s3.ListObjectsV2", count)


def test_a_local_store_lists_only_under_the_prefix_folder_and_survives_odd_prefixes(tmp_path: Path):
    store = LocalBlobStore(tmp_path / "blobs", signing_key=b"k" * 32, base_url="http://127.0.0.1:1")
    case = Case()
    key = case.key()
    store.put(key, b"x", content_type="application/pdf")
    assert [info.key for info in store.list(case.prefix)] == [key]
    assert [info.key for info in store.list(case.prefix[:-5])] == [key]  # a prefix ending inside a name
    assert list(store.list(key + "/")) == []  # a "folder" that is a file
    assert list(store.list("cases/../../")) == []  # never walks outside the store
    assert [info.key for info in store.list("")] == [key]


def test_listing_pages_of_an_unreachable_store_is_unavailable(tmp_path: Path):
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    root = tmp_path / "not-a-folder"
    root.write_text("a file where the blob folder should be")
    local = LocalBlobStore(root, signing_key=b"k" * 32, base_url="http://127.0.0.1:1")
    remote = S3BlobStore(
        bucket="microcourt",
        endpoint_url=f"http://127.0.0.1:{closed_port}",
        access_key="k",
        secret_key="s",
        connect_timeout=1,
        max_attempts=1,
    )
    for store in (local, remote):
        with pytest.raises(StorageUnavailable):
            list(store.list_pages("cases/", page_size=2))
