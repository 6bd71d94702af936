"""Integration tests of the BlobStore port: one contract, every adapter, real HTTP."""
