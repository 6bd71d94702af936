"""A store outage is a fast StorageUnavailable (503 + Retry-After), never a 500 and never a hang."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import StorageUnavailable
from app.storage.local import LocalBlobStore
from app.storage.s3 import S3BlobStore
from tests.conftest import make_app
from tests.integration.storage.helpers import ERROR_SHAPE
from tests.support.live_server import live_server

# Guards against a hang, not a timing assertion: the slowest case (3 refused attempts with standard
# backoff) ends in a few seconds.
pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """Accepts TCP connections (the kernel completes them) but never answers: a hung store."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def s3_at(url: str, **options) -> S3BlobStore:
    """An S3 store aimed at `url` with throwaway credentials."""
    return S3BlobStore(bucket="microcourt", endpoint_url=url, access_key="k", secret_key="s", **options)


def test_an_s3_store_on_a_closed_port_is_unavailable(closed_port):
    store = s3_at(f"http://127.0.0.1:{closed_port}", connect_timeout=1)  # default retries: standard, 3 attempts
    with pytest.raises(StorageUnavailable):
        store.check()
    with pytest.raises(StorageUnavailable):
        store.head("cases/a/evidence/b")

    once = s3_at(f"http://127.0.0.1:{closed_port}", connect_timeout=1, max_attempts=1)
    for action in (
        lambda: once.put("cases/a/evidence/b", b"x", content_type="text/plain"),
        lambda: once.iter_chunks("cases/a/evidence/b"),
        lambda: list(once.list("cases/")),
        lambda: once.delete("cases/a/evidence/b"),
    ):
        with pytest.raises(StorageUnavailable):
            action()
    # Signing is local work: a phone still gets a form and a link; the store refuses them until it is back.
    assert once.create_upload_form(key="cases/a/evidence/b", content_type="image/png", max_size=10).fields
    assert once.download_url("cases/a/evidence/b", filename="a.png").startswith("http://127.0.0.1")


def test_an_s3_store_that_never_answers_times_out_as_unavailable():
    with silent_server() as url:
        store = s3_at(url, connect_timeout=1, read_timeout=1, max_attempts=1)
        with pytest.raises(StorageUnavailable):
            store.check()
        with pytest.raises(StorageUnavailable):
            store.head("cases/a/evidence/b")


def _always_503(environ, start_response):
    body = b"<?xml version='1.0'?><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>"
    start_response("503 Service Unavailable", [("Content-Type", "application/xml")])
    return [body]


def test_an_s3_store_answering_5xx_is_unavailable():
    with live_server(_always_503) as server:
        store = s3_at(server.url, max_attempts=1)
        for action in (
            store.check,
            lambda: store.head("cases/a/evidence/b"),
            lambda: store.iter_chunks("cases/a/evidence/b"),
            lambda: store.put("cases/a/evidence/b", b"x", content_type="text/plain"),
        ):
            with pytest.raises(StorageUnavailable):
                action()


def test_a_local_store_whose_root_is_unusable_is_unavailable(tmp_path: Path):
    root = tmp_path / "not-a-folder"
    root.write_text("a file where the blob folder should be")  # fails even for root, unlike chmod
    store = LocalBlobStore(root, signing_key=b"k" * 32, base_url="http://127.0.0.1:1")
    for action in (
        store.check,
        lambda: store.put("cases/a/evidence/b", b"x", content_type="text/plain"),
        lambda: store.head("cases/a/evidence/b"),
        lambda: store.iter_chunks("cases/a/evidence/b"),
        lambda: list(store.list("cases/")),
        lambda: store.delete("cases/a/evidence/b"),
    ):
        with pytest.raises(StorageUnavailable):
            action()
    assert root.read_text().startswith("a file")


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_readyz_is_503_naming_storage_when_the_store_is_down(backend, database_url, tmp_path, closed_port):
    if backend == "local":
        broken = tmp_path / "blobs-file"
        broken.write_text("not a folder")
        app = make_app(database_url, tmp_path, STORAGE_LOCAL_ROOT=str(broken))
    else:
        app = make_app(
            database_url,
            tmp_path,
            STORAGE_BACKEND="s3",
            S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}",
            S3_CONNECT_TIMEOUT=1,
        )

    response = app.test_client().get("/api/public/v1/readyz")

    body = response.get_json()
    assert response.status_code == 503
    assert set(body) == ERROR_SHAPE
    assert body["reason"] == "health.not_ready"
    assert "storage" in body["errors"] and "database" not in body["errors"]
    assert int(response.headers["Retry-After"]) >= 1
