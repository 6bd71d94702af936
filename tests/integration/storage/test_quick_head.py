"""The S3 store's HEAD is one signed request sent without botocore's request pipeline; what it does not settle
(no answer, 5xx, another status) goes to botocore, and all of them together make the configured attempts."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from app.errors import StorageUnavailable
from app.storage.s3 import S3BlobStore

pytestmark = pytest.mark.timeout(60)


@contextlib.contextmanager
def hanging_up_server() -> Iterator[tuple[str, list[int]]]:
    """Accepts each connection and closes it at once (no answer): every request is one counted connection."""
    accepted: list[int] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(1)
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.mark.parametrize("attempts", [1, 3])
def test_a_head_makes_the_configured_attempts_in_all(attempts):
    with hanging_up_server() as (url, accepted):
        store = S3BlobStore(
            bucket="microcourt", endpoint_url=url, access_key="k", secret_key="s", max_attempts=attempts
        )
        with pytest.raises(StorageUnavailable):
            store.head("cases/a/evidence/b")
    assert len(accepted) == attempts


@pytest.mark.s3
def test_the_quick_head_answers_as_botocore_does(s3_store):
    s3_store.put("cases/a/evidence/b.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    sent: list[str] = []
    s3_store.client.meta.events.register("before-send.s3", lambda request, **kw: sent.append(request.method))
    info = s3_store.head("cases/a/evidence/b.pdf")
    assert s3_store.head("cases/a/evidence/missing.pdf") is None
    assert sent == []  # neither went through botocore's pipeline
    full = s3_store.client.head_object(Bucket=s3_store.bucket, Key="cases/a/evidence/b.pdf")
    assert info is not None
    assert (info.key, info.size, info.content_type) == ("cases/a/evidence/b.pdf", 10, "application/pdf")
    assert (info.size, info.content_type, info.last_modified) == (
        full["ContentLength"],
        full["ContentType"],
        full["LastModified"],
    )
    with pytest.raises(ValueError):
        s3_store.head("../escape")


def test_without_credentials_botocore_answers(monkeypatch):
    store = S3BlobStore(bucket="microcourt", endpoint_url="http://127.0.0.1:9", access_key="k", secret_key="s")
    monkeypatch.setattr(store.client._request_signer, "_credentials", None)
    with pytest.raises(StorageUnavailable):  # botocore's NoCredentialsError, mapped as before
        store.head("cases/a/evidence/b")
