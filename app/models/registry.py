"""Imports every model module so that the metadata knows every table (app factory, Alembic, tests)."""

from app.models import idempotency, identity, organizations, sessions  # noqa: F401
