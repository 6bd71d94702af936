"""On PostgreSQL a transaction that only read ends with COMMIT, so psycopg keeps its prepared statements.

psycopg prepares a statement the fifth time it runs on a connection and drops all of them at every ROLLBACK.
app/database.py (`end_reads_with_commit`) ends a transaction that sent nothing but SELECTs with COMMIT; any
other statement makes the transaction end with ROLLBACK as before, which these tests prove by the rows it must
not leave behind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import Engine, text

from app.extensions import db
from tests.conftest import is_postgres
from tests.support.factories import login, make_user
from tests.support.live_server import live_server

SCRATCH = "probe_read_commit"


@pytest.fixture
def engine(app, database_url: str) -> Iterator[Engine]:
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): psycopg's prepared statements")
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {SCRATCH} (n integer)"))
        conn.execute(text(f"TRUNCATE {SCRATCH}"))
    try:
        yield db.engine
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {SCRATCH}"))


def _prepared(conn) -> int:
    return conn.exec_driver_sql("select count(*) from pg_prepared_statements").scalar_one()


def _rows(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT n FROM {SCRATCH} ORDER BY n")).scalars())


def test_prepared_statements_outlive_read_transactions(engine):
    with engine.connect() as conn:
        for _ in range(6):  # one read per transaction, each ended as the session ends it at teardown
            assert conn.execute(text(f"SELECT count(*) FROM {SCRATCH}")).scalar_one() == 0
            conn.rollback()
        assert _prepared(conn) >= 1


@pytest.mark.parametrize(
    "write",
    [
        f"INSERT INTO {SCRATCH} (n) VALUES (1)",
        f"insert into {SCRATCH} (n) values (1)",
        f"  INSERT INTO {SCRATCH} (n) VALUES (1)",
        f"WITH added AS (INSERT INTO {SCRATCH} (n) VALUES (1) RETURNING n) SELECT n FROM added",
    ],
)
def test_a_transaction_that_wrote_is_rolled_back(engine, write):
    with engine.connect() as conn:
        conn.execute(text(f"SELECT count(*) FROM {SCRATCH}"))
        conn.execute(text(write))
        conn.execute(text(f"SELECT count(*) FROM {SCRATCH}"))
        conn.rollback()
        assert _rows(engine) == []
        conn.execute(text(f"SELECT count(*) FROM {SCRATCH}"))  # the next transaction starts unmarked
        conn.rollback()
    assert _rows(engine) == []


def test_a_released_savepoint_is_rolled_back_with_its_transaction(engine):
    with engine.connect() as conn, conn.begin():
        with conn.begin_nested():
            conn.execute(text(f"INSERT INTO {SCRATCH} (n) VALUES (2)"))
        assert conn.in_transaction()
        conn.rollback()
    assert _rows(engine) == []


def test_a_committed_write_then_a_read_only_transaction(engine):
    with engine.connect() as conn:
        conn.execute(text(f"INSERT INTO {SCRATCH} (n) VALUES (3)"))
        conn.commit()
        conn.execute(text(f"SELECT n FROM {SCRATCH}"))
        conn.rollback()
        conn.execute(text(f"UPDATE {SCRATCH} SET n = 4"))
        conn.rollback()
    assert _rows(engine) == [3]


def test_a_failed_transaction_is_rolled_back_and_the_connection_serves_on(engine):
    with engine.connect() as conn:
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.execute(text("SELECT 2")).scalar_one() == 2
        conn.rollback()


def test_orm_work_flushed_then_abandoned_is_not_kept(engine):
    db.session.execute(text(f"SELECT count(*) FROM {SCRATCH}"))
    db.session.execute(text(f"INSERT INTO {SCRATCH} (n) VALUES (5)"))
    db.session.remove()  # the request's teardown, without a commit
    assert _rows(engine) == []


def test_read_requests_keep_prepared_statements_on_their_connection(engine, app):
    headers = login(make_user(real_name="张三", phone="13900000001"))
    db.session.remove()
    engine.dispose()  # the pool hands idle connections out in turn: with earlier tests' connections in it, each would
    # serve fewer than the five runs psycopg waits for before it prepares; one request at a time now reuses one
    with live_server(app) as server, requests.Session() as http:  # each request ends its session at teardown
        for _ in range(12):
            assert http.get(f"{server.url}/api/mp/v1/cases", headers=headers, timeout=30).status_code == 200
    idle = [engine.connect() for _ in range(engine.pool.checkedin())]  # every connection the requests used
    try:
        assert max(_prepared(conn) for conn in idle) >= 2  # the caller's row and the case list
    finally:
        for conn in idle:
            conn.close()
