"""Statements built once at import time bind the same types whatever module is imported first.

A foreign-key column declared without a type takes its referred column's type only once that table exists; a
statement built from it before then binds NullType, and on SQLite a uuid.UUID then fails to bind (seen: importing
app.video.events before the app made the court's webhook subscriptions unreadable, "type 'UUID' is not supported",
a 500 on booking a hearing). app/platform/db.py types such a column as the UUID every model's id is, as soon as its
table is defined; this proves no import order escapes it, and that the type is the one the column refers to.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCAN = """
import importlib, json, pkgutil, sys
first = sys.argv[1]
if first:
    importlib.import_module(first)
import app
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql import sqltypes
names = sorted(m.name for m in pkgutil.walk_packages(app.__path__, "app."))
for name in names:
    importlib.import_module(name)
found = []
def _named(key):
    return "anonymous" if key.startswith("%(") else key
for name in names:
    for attr, value in sorted(vars(sys.modules[name]).items()):
        key = value._generate_cache_key() if isinstance(value, Executable) else None
        if key is not None:
            found.append([name, attr, sorted(type(b.type).__name__ + ":" + _named(b.key) for b in key.bindparams)])
print(json.dumps(found))
"""


def _bound_types(first: str) -> list:
    done = subprocess.run(
        [sys.executable, "-c", SCAN, first], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_leaf_module_imported_first_binds_the_same_types():
    usual = _bound_types("")
    assert usual, "no statement built at import time was found"
    assert _bound_types("app.video.events") == usual
    webhooks = [entry for entry in usual if entry[:2] == ["app.webhooks.deliveries", "_ACTIVE"]]
    assert webhooks and all(not bound.startswith("NullType") for bound in webhooks[0][2])


def test_every_foreign_key_has_the_type_of_the_column_it_refers_to(app):
    from app.extensions import db

    for table in db.metadata.tables.values():
        for column in table.columns:
            for key in column.foreign_keys:
                assert type(column.type) is type(key.column.type), (table.name, column.name, key.target_fullname)
