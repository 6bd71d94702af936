"""What every domain stands on: the table base and its types, keyset pagination, Idempotency-Keys, the outbox
engine, enqueueing jobs by name, settings objects and adapters built once, readiness, demo seeding.

Nothing here imports a domain (tests/test_architecture.py); domains and the HTTP layer import these modules directly.
"""
