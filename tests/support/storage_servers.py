"""Object-store fixtures for every test folder: a real S3 server (Ceph RGW or moto), the local store over HTTP.

S3 is Ceph RGW when S3_TEST_ENDPOINT_URL is set (CI), else moto's server mode on 127.0.0.1. moto enforces
no POST policy and no presigned signature or expiry, so the tests of enforcement ask for `enforcing_store`,
which skips there with the reason instead of passing vacuously. Imported once by tests/conftest.py, so the
session-wide S3 server is started at most once per run.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import uuid
from collections.abc import Iterator

import boto3
import pytest

from app.storage.base import BlobStore
from app.storage.s3 import S3BlobStore
from tests.support.live_server import LiveServer, live_server

MOTO_SKIP_REASON = "moto's server does not enforce POST policies"


@dataclasses.dataclass(frozen=True)
class S3Endpoint:
    """Where the S3 test server listens and how to sign for it."""

    url: str
    access_key: str
    secret_key: str
    region: str
    is_moto: bool
    addressing_style: str = "path"

    def store(self, bucket: str, *, url: str | None = None, **options: object) -> S3BlobStore:
        """A store for one bucket on this server (one boto3 session for the run: models load once)."""
        return S3BlobStore(
            bucket=bucket,
            endpoint_url=url or self.url,
            region=self.region,
            access_key=self.access_key,
            secret_key=self.secret_key,
            addressing_style=self.addressing_style,
            session=_shared_session(),
            **options,  # type: ignore[arg-type]
        )


@functools.cache
def _shared_session() -> boto3.session.Session:
    """Clients are made from the test thread only, so sharing the session is safe here."""
    return boto3.session.Session()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint]:
    """Ceph RGW (or any S3) from S3_TEST_* variables, else one moto server for the whole session."""
    url = os.environ.get("S3_TEST_ENDPOINT_URL", "").strip()
    if url:
        yield S3Endpoint(
            url=url,
            access_key=os.environ["S3_TEST_ACCESS_KEY"],
            secret_key=os.environ["S3_TEST_SECRET_KEY"],
            region=os.environ.get("S3_TEST_REGION", "us-east-1"),
            is_moto=False,
            addressing_style=os.environ.get("S3_TEST_ADDRESSING_STYLE", "path"),
        )
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Endpoint(f"http://{host}:{port}", "testing", "testing-secret", "us-east-1", is_moto=True)
    finally:
        server.stop()


def drop_bucket(store: S3BlobStore) -> None:
    """Empty and delete a test bucket."""
    for info in list(store.list()):
        store.delete(info.key)
    store.client.delete_bucket(Bucket=store.bucket)
    store.client.close()


@pytest.fixture
def s3_store(s3_endpoint: S3Endpoint) -> Iterator[S3BlobStore]:
    """An S3 store on a bucket of its own, created for this test and deleted after it."""
    store = s3_endpoint.store(f"mc-test-{uuid.uuid4().hex[:20]}")
    assert store.ensure_bucket() is True
    try:
        yield store
    finally:
        drop_bucket(store)


@pytest.fixture
def local_server(database_url: str, tmp_path) -> Iterator[LiveServer]:
    """A real app with the local store, served over HTTP; its PUBLIC_BASE_URL is its own address."""
    from tests.conftest import make_app

    def build(url: str):
        return make_app(database_url, tmp_path, PUBLIC_BASE_URL=url, STORAGE_BACKEND="local")

    with live_server(factory=build) as server:
        yield server


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def blob_store(request: pytest.FixtureRequest) -> BlobStore:
    """Each adapter in turn, reachable the way a phone reaches it."""
    if request.param == "local":
        server: LiveServer = request.getfixturevalue("local_server")
        return server.app.extensions["microcourt.storage"]
    return request.getfixturevalue("s3_store")


@pytest.fixture
def enforcing_store(blob_store: BlobStore, request: pytest.FixtureRequest) -> BlobStore:
    """The store, for tests of policy/signature/expiry enforcement: skipped on moto, which enforces none."""
    if blob_store.name == "s3" and request.getfixturevalue("s3_endpoint").is_moto:
        pytest.skip(MOTO_SKIP_REASON)
    return blob_store
