"""The S3 store's PUT of the server's own bytes is one signed request sent without botocore's request pipeline; what
it does not settle (no answer, 5xx, another status) goes to botocore, and all of them make the configured attempts."""

from __future__ import annotations

import io

import pytest

from app.errors import StorageUnavailable
from app.storage import s3 as s3_module
from app.storage.s3 import S3BlobStore
from tests.integration.storage.test_quick_head import hanging_up_server

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("attempts", [1, 3])
def test_a_put_makes_the_configured_attempts_in_all(attempts):
    with hanging_up_server() as (url, accepted):
        store = S3BlobStore(
            bucket="microcourt", endpoint_url=url, access_key="k", secret_key="s", max_attempts=attempts
        )
        with pytest.raises(StorageUnavailable):
            store.put("cases/a/documents/b.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    assert len(accepted) == attempts


@pytest.mark.s3
def test_the_quick_put_stores_what_botocore_would(s3_store):
    sent: list[str] = []
    s3_store.client.meta.events.register("before-send.s3", lambda request, **kw: sent.append(request.method))
    content = b"%PDF-1.4 " + bytes(range(256)) * 80  # 20 KiB, every byte value
    info = s3_store.put("cases/a/documents/b.pdf", content, content_type="application/pdf")
    stream = io.BytesIO(b"skip" + content)
    stream.seek(4)  # a stream is stored from where it stands, as before
    s3_store.put("cases/a/documents/c.pdf", stream, content_type="application/pdf")
    assert sent == []  # neither went through botocore's pipeline
    assert (info.key, info.size, info.content_type) == ("cases/a/documents/b.pdf", len(content), "application/pdf")
    for key in ("cases/a/documents/b.pdf", "cases/a/documents/c.pdf"):
        stored = s3_store.client.get_object(Bucket=s3_store.bucket, Key=key)
        assert stored["Body"].read() == content
        assert stored["ContentType"] == "application/pdf"
    with pytest.raises(ValueError):
        s3_store.put("../escape", b"x", content_type="application/pdf")


@pytest.mark.s3
def test_a_large_put_and_a_refused_quick_one_go_through_botocore(s3_store, monkeypatch):
    sent: list[str] = []
    s3_store.client.meta.events.register("before-send.s3", lambda request, **kw: sent.append(request.method))
    monkeypatch.setattr(s3_module, "QUICK_PUT_MAX", 8)
    s3_store.put("cases/a/documents/big.pdf", b"%PDF-1.4 more than eight", content_type="application/pdf")
    assert sent == ["PUT"]
    monkeypatch.setattr(s3_module, "QUICK_PUT_MAX", 1 << 20)
    monkeypatch.setattr(s3_store, "region", "nowhere-1")  # a signature the store refuses (403): botocore settles it
    s3_store.put("cases/a/documents/again.pdf", b"%PDF-1.4 again", content_type="application/pdf")
    assert sent[1:] in (["PUT"], [])  # a store that ignores the region takes the quick PUT
    got = s3_store.client.get_object(Bucket=s3_store.bucket, Key="cases/a/documents/again.pdf")
    assert got["Body"].read() == b"%PDF-1.4 again"


def test_without_credentials_botocore_answers(monkeypatch):
    store = S3BlobStore(bucket="microcourt", endpoint_url="http://127.0.0.1:9", access_key="k", secret_key="s")
    monkeypatch.setattr(store.client._request_signer, "_credentials", None)
    with pytest.raises(StorageUnavailable):  # botocore's NoCredentialsError, mapped as before
        store.put("cases/a/documents/b.pdf", b"x", content_type="application/pdf")
