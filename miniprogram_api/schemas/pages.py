"""Cursor pages: the one set of page arguments and the one factory for page bodies (app/platform/pagination.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema


class CursorArgs(InSchema):
    """The page: the cursor a previous page returned, and how many items at most."""

    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(validate=validate.Range(min=1, max=1000))


def cursor_page(name: str, item: type[Schema], doc: str) -> type[OutSchema]:
    """A page body named `name` (its OpenAPI component name): `item` objects and the next page's cursor."""
    attrs = {
        "__doc__": doc,
        "__module__": __name__,
        "__qualname__": name,
        "items": fields.List(fields.Nested(item), required=True),
        # null on the last page: there is no next one.
        "next_cursor": fields.String(allow_none=True, required=True),
    }
    return type(name, (OutSchema,), attrs)
