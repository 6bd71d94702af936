"""Nothing lost, nothing twice: PostgreSQL connections killed under concurrent writes with Idempotency-Keys.

A live server (real HTTP) on PostgreSQL; phones file cases concurrently, each with its own Idempotency-Key,
retrying as a phone would on 503, a dropped connection or 409 `idempotency.in_flight`; meanwhile a killer
terminates every backend of the database (pg_terminate_backend) again and again, and the phones keep filing until
it has finished. Afterwards every 2xx answer's case is in the database exactly once, no request made two cases,
and replaying a key returns the same case.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from app.cases.models import Case
from app.extensions import db
from app.platform.models import IdempotencyRecord
from tests.conftest import is_postgres
from tests.support.cases import filing
from tests.support.factories import login, make_org, make_user
from tests.support.live_server import live_server

PHONES = 4
WRITES_PER_PHONE = 6  # at least; each phone goes on filing, one case every PAUSE_SECONDS, until the storm is over
MOST_WRITES_PER_PHONE = 60
PAUSE_SECONDS = 0.1
# The storm is a fixed number of kill rounds, then it stops: every write must then finish. A count of attempts
# would make the test depend on machine load (a slow request is killed at every attempt while the storm lasts).
KILL_ROUNDS = 30
KILL_EVERY_SECONDS = 0.15
WRITE_DEADLINE_SECONDS = 60.0


@dataclasses.dataclass
class Write:
    """One logical write: its key, its title, and what the server finally said."""

    key: str
    title: str
    status: int = 0
    body: dict | None = None
    attempts: int = 0
    failures: int = 0  # 503s and dropped connections on the way
    last: str = ""  # the last answer that was retried, to name a write that never finished


def _send(base: str, headers: dict, org_id: str, write: Write) -> None:
    body = filing(title=write.title)
    body["org_id"] = org_id
    deadline = time.monotonic() + WRITE_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        write.attempts += 1
        try:
            answer = requests.post(
                f"{base}/api/mp/v1/cases", json=body, headers={**headers, "Idempotency-Key": write.key}, timeout=30
            )
        except requests.ConnectionError:
            write.failures += 1
            time.sleep(0.05)
            continue
        payload = answer.json()
        if answer.status_code == 503 or payload.get("reason") == "idempotency.in_flight":
            write.last = f"{answer.status_code} {payload.get('reason')}"
            write.failures += answer.status_code == 503
            time.sleep(0.05)
            continue
        write.status, write.body = answer.status_code, payload
        return


def _phone(base: str, headers: dict, org_id: str, phone: int, plan: list[Write], storm_over: threading.Event) -> None:
    """File cases one after another while the killer works (at least WRITES_PER_PHONE): on a fast machine a fixed
    handful of writes could all finish before the first kill lands, and prove nothing."""
    while len(plan) < MOST_WRITES_PER_PHONE:
        if len(plan) >= WRITES_PER_PHONE:
            if storm_over.is_set():
                return
            time.sleep(PAUSE_SECONDS)
        n = len(plan)
        plan.append(Write(key=f"lost-{phone}-{n}", title=f"断线重试 {phone}-{n}"))
        _send(base, headers, org_id, plan[-1])


def _killer(url: str, stop: threading.Event, kills: list[int]) -> None:
    """Terminate every other backend of the app database every 150 ms, for KILL_ROUNDS rounds or until told to stop;
    then set `stop`, which tells the phones the storm is over."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        for _ in range(KILL_ROUNDS):
            if stop.wait(KILL_EVERY_SECONDS):
                break
            with engine.connect() as conn:
                killed = conn.execute(
                    text(
                        "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = "
                        "current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'"
                    )
                ).scalar()
            kills.append(int(killed or 0))
    finally:
        stop.set()
        engine.dispose()


@pytest.fixture
def postgres_only(database_url: str) -> None:
    """Skip before the app is built: SQLite has no server connections to kill."""
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite has no server connections to kill")


def test_every_2xx_is_in_the_database_exactly_once(postgres_only, app, database_url):
    org_id = str(make_org().id)
    phones = [login(make_user(real_name="张三", phone=f"1380000{n:04d}")) for n in range(PHONES)]
    plans: list[list[Write]] = [[] for _ in range(PHONES)]
    db.session.remove()
    stop, kills = threading.Event(), []
    with live_server(app) as server:
        killer = threading.Thread(target=_killer, args=(database_url, stop, kills), daemon=True)
        killer.start()
        workers = [
            threading.Thread(target=_phone, args=(server.url, h, org_id, p, plan, stop), daemon=True)
            for p, (h, plan) in enumerate(zip(phones, plans, strict=True))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=2 * WRITE_DEADLINE_SECONDS + KILL_ROUNDS * KILL_EVERY_SECONDS * 4)
        stop.set()
        killer.join(timeout=10)
        writes = [write for plan in plans for write in plan]
        replays = {
            w.key: requests.post(
                f"{server.url}/api/mp/v1/cases",
                json={**filing(title=w.title), "org_id": org_id},
                headers={**headers, "Idempotency-Key": w.key},
                timeout=30,
            )
            for headers, plan in zip(phones, plans, strict=True)
            for w in plan
            if w.status == 201
        }

    assert sum(kills) >= 3, f"the killer terminated only {sum(kills)} connections"
    assert sum(w.failures for w in writes) >= 1, "no request was hit: the test proved nothing"
    stuck = [w.key for w in writes if w.status not in (201, 409)]
    if stuck:  # name what the store says of a write that never finished
        db.session.remove()
        records = db.session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.key.in_(stuck))).all()
        print([(r.key, r.state, r.locked_until, r.created_at) for r in records])
    assert all(w.status in (201, 409) for w in writes), [
        (w.key, w.status, w.attempts, w.last, w.body) for w in writes if w.status not in (201, 409)
    ]
    unknown = [w for w in writes if w.status == 409]
    assert all(w.body["reason"] == "idempotency.outcome_unknown" for w in unknown)
    db.session.remove()
    for write in writes:
        stored = db.session.scalars(select(Case).where(Case.title == write.title)).all()
        if write.status == 201:
            assert [str(case.id) for case in stored] == [write.body["id"]], write
            assert replays[write.key].status_code == 201 and replays[write.key].json()["id"] == write.body["id"]
            assert replays[write.key].headers["Idempotent-Replayed"] == "true"
        else:
            assert len(stored) == 1, write  # committed, its answer lost: there, once, never made again
    total = db.session.scalar(select(func.count()).select_from(Case))
    assert total == len(writes)
