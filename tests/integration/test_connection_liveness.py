"""Pooled connections the server closed are replaced at checkout, without a round trip per checkout.

app/database.py checks a PostgreSQL connection as the pool hands it out (its socket polled, no `SELECT 1`):
after every backend of the app's database is terminated (as a restart or pg_terminate_backend does), the next
requests - reads and an idempotent write, one after another and from several threads - all answer 2xx, and
checking a connection out sends nothing to the server.
"""

from __future__ import annotations

import pathlib
import sqlite3
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool

from app.database import _drop_dead_connection
from app.extensions import db
from tests.conftest import is_postgres
from tests.support.cases import filing
from tests.support.factories import login, make_org, make_user
from tests.support.live_server import live_server

POOLED = 6  # connections warmed into the pool before the kill
THREADS = 4


@pytest.fixture
def postgres_only(database_url: str) -> None:
    """Skip before the app is built: SQLite has no server connections to kill."""
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite has no server connections to kill")


def _warm_pool(count: int) -> set[int]:
    """Check `count` connections out at once, use each, and give them back: the pool then holds them idle."""
    connections = [db.engine.connect() for _ in range(count)]
    try:
        return {conn.execute(text("select pg_backend_pid()")).scalar_one() for conn in connections}
    finally:
        for conn in connections:
            conn.close()


def _terminate_all_backends(url: str) -> int:
    """Terminate every other client backend of the database, and wait until they are gone."""
    engine = create_engine(url, poolclass=NullPool)
    others = (
        "from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
        "and backend_type = 'client backend'"
    )
    try:
        with engine.connect() as conn:
            killed = conn.execute(text(f"select count(pg_terminate_backend(pid, 5000)) {others}")).scalar_one()
            deadline = time.monotonic() + 10
            conn.commit()
            while conn.execute(text(f"select count(*) {others}")).scalar_one():
                conn.commit()  # pg_stat_activity is a snapshot taken once per transaction
                assert time.monotonic() < deadline, "terminated backends did not go away"
                time.sleep(0.02)
        return int(killed)
    finally:
        engine.dispose()


def test_requests_after_every_backend_was_terminated_all_succeed(postgres_only, app, database_url):
    org_id = str(make_org().id)
    headers = [login(make_user(real_name="张三", phone=f"1390000{n:04d}")) for n in range(THREADS)]
    db.session.remove()
    refused: list[BaseException | None] = []

    def invalidated(_connection: object, _record: object, error: BaseException | None) -> None:
        refused.append(error)

    event.listen(db.engine.pool, "invalidate", invalidated)
    try:
        with live_server(app) as server:
            base = f"{server.url}/api/mp/v1/cases"

            def write(who: int, key: str) -> requests.Response:
                body = {**filing(title=f"重连 {key}"), "org_id": org_id}
                return requests.post(base, json=body, headers={**headers[who], "Idempotency-Key": key}, timeout=30)

            first = write(0, "before-kill")
            assert first.status_code == 201, first.text
            case_id = first.json()["id"]
            pids = _warm_pool(POOLED)
            assert len(pids) == POOLED
            assert _terminate_all_backends(database_url) >= POOLED

            answers = [
                requests.get(base, headers=headers[0], timeout=30),
                requests.get(f"{base}/{case_id}", headers=headers[0], timeout=30),
                write(0, "after-kill"),
                write(0, "after-kill"),  # the replay
                requests.get(f"{base}/{case_id}/timeline", headers=headers[0], timeout=30),
            ]
            # the pool now holds fresh connections and dead ones: kill them all again, then go concurrent
            _warm_pool(POOLED)
            _terminate_all_backends(database_url)
            start = threading.Barrier(THREADS)

            def burst(who: int) -> list[requests.Response]:
                start.wait(timeout=10)
                got = [requests.get(base, headers=headers[who], timeout=30), write(who, f"burst-{who}")]
                got.append(write(who, f"burst-{who}"))
                if who == 0:
                    got.append(requests.get(f"{base}/{case_id}", headers=headers[0], timeout=30))
                return got

            with ThreadPoolExecutor(THREADS) as pool:
                answers += [r for got in pool.map(burst, range(THREADS)) for r in got]
    finally:
        event.remove(db.engine.pool, "invalidate", invalidated)

    failed = [(r.request.method, r.url, r.status_code, r.text[:200]) for r in answers if not 200 <= r.status_code < 300]
    assert not failed
    assert answers[3].json()["id"] == answers[2].json()["id"]
    assert answers[3].headers["Idempotent-Replayed"] == "true"
    # the dead connections were refused at checkout (not first used and found broken by a statement)
    assert refused and all(isinstance(error, DisconnectionError) for error in refused), refused


def test_checkout_sends_nothing_to_the_server(postgres_only, app):
    assert db.engine.pool._pre_ping is False
    db.session.remove()
    db.engine.dispose()
    raw = db.engine.raw_connection()
    pg = raw.driver_connection
    assert pg is not None
    raw.close()  # back to the pool, which now holds only this connection
    with tempfile.TemporaryDirectory() as folder:
        trace = pathlib.Path(folder) / "libpq.trace"
        with open(trace, "w") as sink:
            pg.pgconn.trace(sink.fileno())  # libpq writes every protocol message it sends or receives
            try:
                again = db.engine.raw_connection()
                assert again.driver_connection is pg
                pg.pgconn.untrace()  # flushes
                sent_on_checkout = trace.read_text()
                pg.pgconn.trace(sink.fileno())
                cursor = again.cursor()
                cursor.execute("select 1")
                cursor.close()
                again.rollback()
                again.close()
            finally:
                pg.pgconn.untrace()
        with_a_statement = trace.read_text()
    assert sent_on_checkout == ""
    assert "Query" in with_a_statement or "Parse" in with_a_statement  # the trace does see the round trips


def test_a_terminated_connection_is_refused_and_a_live_one_kept(postgres_only, app, database_url):
    import psycopg

    live = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
    doomed = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        live.execute("select 1")
        live.rollback()
        _drop_dead_connection(live, None, None)  # a live idle connection passes
        with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as killer:
            killed = killer.execute("select pg_terminate_backend(%s, 5000)", [doomed.info.backend_pid]).fetchone()
            assert killed == (True,)
        with pytest.raises(DisconnectionError):
            _drop_dead_connection(doomed, None, None)
        doomed.close()
        with pytest.raises(DisconnectionError):
            _drop_dead_connection(doomed, None, None)
    finally:
        live.close()
        doomed.close()


def test_the_check_does_nothing_for_sqlite():
    connection = sqlite3.connect(":memory:")
    try:
        assert _drop_dead_connection(connection, None, None) is None
    finally:
        connection.close()
