"""The storage contract suite's fixtures (`blob_store`, `enforcing_store`, `s3_store`, `local_server`) live in
tests/support/storage_servers.py, imported once by tests/conftest.py so other folders can use them too."""

from tests.support.storage_servers import MOTO_SKIP_REASON, S3Endpoint, drop_bucket  # noqa: F401  (for importers)
