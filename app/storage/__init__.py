"""Blob storage: the BlobStore port and its adapters (local disk, S3-compatible)."""
