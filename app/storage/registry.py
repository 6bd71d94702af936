"""Binds one BlobStore adapter to each Flask app and forwards calls to the current app's store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from app.storage.base import BlobStore

EXTENSION_KEY = "microcourt.storage"


class StorageRegistry:
    """Unbound extension: `storage.init_app(app)` builds the adapter named by STORAGE_BACKEND."""

    def init_app(self, app: Flask) -> None:
        """Build the configured adapter once per app (the boto3 client is made here, once)."""
        app.extensions[EXTENSION_KEY] = build_store(app.config)

    @property
    def store(self) -> BlobStore:
        """The adapter bound to the current app."""
        return current_app.extensions[EXTENSION_KEY]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def build_store(config: Any) -> BlobStore:
    """Create the adapter for a config mapping."""
    backend = config["STORAGE_BACKEND"]
    if backend == "s3":
        from app.storage.s3 import S3BlobStore

        return S3BlobStore.from_config(config)
    from app.storage.local import LocalBlobStore

    return LocalBlobStore.from_config(config)
