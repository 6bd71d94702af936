"""`flask create-bucket`: the S3 set-up step that makes readyz's "bucket not usable" go away."""

from __future__ import annotations

import contextlib
import uuid

import pytest

from app.errors import StorageUnavailable
from tests.conftest import make_app
from tests.support.storage_servers import drop_bucket


@pytest.mark.s3
def test_create_bucket_creates_it_once_and_the_store_is_then_usable(database_url, tmp_path, s3_endpoint):
    bucket = f"mc-test-{uuid.uuid4().hex[:20]}"
    app = make_app(
        database_url,
        tmp_path,
        STORAGE_BACKEND="s3",
        S3_ENDPOINT_URL=s3_endpoint.url,
        S3_BUCKET=bucket,
        S3_ACCESS_KEY=s3_endpoint.access_key,
        S3_SECRET_KEY=s3_endpoint.secret_key,
        S3_REGION=s3_endpoint.region,
        S3_ADDRESSING_STYLE=s3_endpoint.addressing_style,
    )
    store = app.extensions["microcourt.storage"]
    with pytest.raises(StorageUnavailable):
        store.check()  # what readyz reports as storage not usable
    runner = app.test_cli_runner()
    with app.app_context():
        try:
            first = runner.invoke(args=["create-bucket"])
            assert first.output.strip() == f"bucket {bucket}: created", (first.output, first.exception)
            assert runner.invoke(args=["create-bucket"]).output.strip() == f"bucket {bucket}: exists"
            store.check()
        finally:
            with contextlib.suppress(StorageUnavailable):  # nothing to drop when the command failed
                drop_bucket(s3_endpoint.store(bucket))


def test_create_bucket_on_the_local_store_says_there_is_none(app):
    output = app.test_cli_runner().invoke(args=["create-bucket"]).output
    assert "no bucket to create" in output
