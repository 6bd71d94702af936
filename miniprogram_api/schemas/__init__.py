"""Marshmallow schemas, one module per resource (Create/Update/Out/QueryArgs kept apart)."""
