"""Engine settings per database: SQLite pragmas (WAL, foreign keys, busy timeout), PostgreSQL pooling."""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool


def configure_engine_options(app: Flask) -> None:
    """Set SQLALCHEMY_ENGINE_OPTIONS from the URL's dialect."""
    url: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, object] = {}
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        busy_seconds = app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        options["connect_args"] = {"timeout": busy_seconds, "check_same_thread": False}
        if url in {"sqlite://", "sqlite:///:memory:"}:
            options["poolclass"] = StaticPool  # one shared in-memory database for the whole app
    else:
        options.update(
            pool_pre_ping=True,
            pool_size=app.config["DB_POOL_SIZE"],
            max_overflow=app.config["DB_POOL_SIZE"],
            pool_timeout=5,
            pool_recycle=1800,
            connect_args={
                "connect_timeout": app.config["DB_CONNECT_TIMEOUT"],
                "options": f"-c statement_timeout={app.config['DB_STATEMENT_TIMEOUT_MS']}",
                "application_name": "microcourt",
            },
        )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _ensure_sqlite_folder(url: str) -> None:
    """A fresh clone has no instance/ folder yet: create the database file's folder."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL for concurrent readers, enforced foreign keys, and waiting on locks instead of failing."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
