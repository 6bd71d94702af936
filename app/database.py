"""Engine settings per database: SQLite pragmas (WAL, foreign keys, busy timeout), PostgreSQL pooling.

A pooled PostgreSQL connection is checked at checkout without a round trip (`_drop_dead_connection`), in place
of pool_pre_ping's `SELECT 1`.
"""

from __future__ import annotations

import select
import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool, StaticPool

try:  # the PostgreSQL driver; a SQLite-only install runs without it
    import psycopg
    from psycopg import pq
except ImportError:  # pragma: no cover - psycopg is a dependency
    psycopg = None  # type: ignore[assignment]


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
        from app.platform import cursor_columns  # psycopg's: only a PostgreSQL URL needs it

        options.update(
            # No pool_pre_ping (a `SELECT 1` round trip per checkout): `_drop_dead_connection` checks the
            # connection at checkout without I/O to the server.
            pool_size=app.config["DB_POOL_SIZE"],
            max_overflow=app.config["DB_POOL_SIZE"],
            pool_timeout=5,
            pool_recycle=1800,
            connect_args={
                "cursor_factory": cursor_columns.Cursor,  # its description made only when looked at
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


_USABLE = (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS) if psycopg is not None else ()
_READABLE_OR_BROKEN = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLNVAL


@event.listens_for(Pool, "checkout")
def _drop_dead_connection(dbapi_connection: object, _record: object, _proxy: object) -> None:
    """Refuse a pooled PostgreSQL connection the server has closed, without a round trip (SQLite: nothing).

    An idle connection's socket has nothing to read unless the server sent something unasked: when a backend is
    terminated (pg_terminate_backend, a restart, idle_session_timeout) it sends a FATAL error and closes, so the
    socket reads as ready (the error, or the end of the stream). A readable idle socket, a connection psycopg
    knows is broken or one not idle is treated as dead: DisconnectionError makes the pool discard it and check
    out a new connection in its place, before the request runs its first statement. The rare harmless unasked
    message (a NOTICE) costs a reconnect, nothing more.

    Not covered (nor by pre-ping): a backend killed between this check and the request's first statement, and a
    server that vanished without closing its sockets (host or network down: nothing arrives to be read), where
    the first statement fails and the request answers 503 `database.unavailable`.
    """
    if psycopg is None or not isinstance(dbapi_connection, psycopg.Connection):
        return
    pgconn = dbapi_connection.pgconn  # Connection.closed is this status being BAD
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status not in _USABLE:
        raise DisconnectionError("the connection is broken or in no state to be used")
    try:
        socket = pgconn.socket
    except psycopg.OperationalError:  # libpq has no socket left
        raise DisconnectionError("the connection has no socket") from None
    poller = select.poll()  # poll, not select: a busy process may hold descriptors above FD_SETSIZE
    poller.register(socket, _READABLE_OR_BROKEN)
    if poller.poll(0):
        raise DisconnectionError("the server sent something to an idle connection: it closed it")


# -- a transaction that wrote nothing ends with COMMIT ---------------------------------------------------------

_WROTE = "microcourt.wrote"  # in the pool record's info: this transaction sent a statement other than a SELECT


def end_reads_with_commit(engine: Engine) -> None:
    """On psycopg, end a transaction that only read with COMMIT where SQLAlchemy would send ROLLBACK.

    psycopg prepares a statement on a connection the fifth time it runs there, and forgets every prepared
    statement (DEALLOCATE ALL, one more round trip) whenever a transaction ends in ROLLBACK. A read request's
    transaction always ends that way (the session is closed at teardown), so before this most statements of a
    read-mostly load were planned again by PostgreSQL on every request.

    For a transaction that ran only SELECTs, COMMIT and ROLLBACK leave the database in the same state. Every
    statement the engine sends passes `_note_write` first: anything that does not begin with SELECT (INSERT,
    UPDATE, DELETE, WITH, SAVEPOINT, text of any kind) marks the connection's transaction as written, and such a
    transaction is rolled back as before. Nothing in app/ writes through the driver connection directly (no
    COPY, no cursor of its own), and no SELECT calls a function that writes (only count, sum, coalesce, min, max,
    unnest and pg_advisory_xact_lock, whose lock either ending releases). A transaction in an error state, or
    a COMMIT that fails, is rolled back as before. SQLite is left alone: pysqlite prepares nothing across
    transactions.
    """
    if engine.dialect.driver != "psycopg":
        return
    event.listen(engine, "before_cursor_execute", _note_write)
    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    def do_rollback(dbapi_connection: Any) -> None:
        info = _pool_info(dbapi_connection)
        wrote = info.pop(_WROTE, False) if info is not None else True  # not a pool's connection: unknown
        driver = getattr(dbapi_connection, "driver_connection", None)
        if wrote or psycopg is None or not isinstance(driver, psycopg.Connection):
            return rollback(dbapi_connection)
        if driver.pgconn.transaction_status != pq.TransactionStatus.INTRANS:
            return rollback(dbapi_connection)  # idle: nothing to end; in error: only ROLLBACK ends it cleanly
        try:
            driver.commit()
        except psycopg.Error:
            rollback(dbapi_connection)
            raise

    def do_commit(dbapi_connection: Any) -> None:
        info = _pool_info(dbapi_connection)
        if info is not None:
            info.pop(_WROTE, None)
        commit(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]  # per engine, see the docstring
    dialect.do_commit = do_commit  # type: ignore[method-assign]


def _pool_info(dbapi_connection: object) -> dict[Any, Any] | None:
    """The pool record's info of a pooled connection; None for a bare driver connection or the dialect's first
    connection (whose proxy has no record)."""
    try:
        info = getattr(dbapi_connection, "info", None)
    except NotImplementedError:
        return None
    return info if isinstance(info, dict) else None


def _note_write(
    conn: Connection, _cursor: object, statement: str, _parameters: object, _context: object, _many: bool
) -> None:
    if not statement.startswith("SELECT"):
        conn.info[_WROTE] = True
