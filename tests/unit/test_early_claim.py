"""The key's claim riding in authentication's statement (app/platform/early_claim.py), on any database.

tests/api/identity/test_early_claim.py walks it over HTTP on PostgreSQL (and the suite's idempotency and race tests
run through it there); these check, without a server, what is sent: the combined statement and its parameters, the
unique violation's fallback (a rollback, then the plain read) and a body that cannot be fingerprinted (the plain
read, the decorator answers it).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.platform import early_claim, idempotency

READ = select(literal(1).label("one")).where(bindparam("auth_x") == 1)


class FakeConnection:
    """A connection on PostgreSQL's dialect that records what it is sent and answers one row (or raises)."""

    def __init__(self, *, fail: BaseException | None = None) -> None:
        self.dialect = postgresql.dialect()
        self.sent: list[tuple[Any, Any]] = []
        self._fail = fail

    def execute(self, statement: Any, params: Any = None) -> Any:
        self.sent.append((statement, params))
        if self._fail is not None:
            raise self._fail
        return SimpleNamespace(all=lambda: [(1,)])


def _early(fingerprint: Any = lambda: "f" * 64) -> early_claim.EarlyClaim:
    return early_claim.EarlyClaim(key="k-1", endpoint="mp_cases.create", fingerprint_of=fingerprint)


def test_the_claim_is_a_cte_of_the_read_with_its_row(app):
    connection, early = FakeConnection(), _early()
    rows = early_claim.read_claiming(connection, READ, {"auth_x": 1}, early, caller="user:u1")  # type: ignore[arg-type]
    assert rows == [(1,)]
    ((statement, params),) = connection.sent
    sql = " ".join(str(statement.compile(dialect=postgresql.dialect())).split())
    assert sql.startswith("WITH idempotency_claim AS (INSERT INTO idempotency_records"), sql
    assert params["auth_x"] == 1 and params["p_scope"] == "user:u1|mp_cases.create" and params["p_key"] == "k-1"
    assert params["p_fingerprint"] == "f" * 64 and params["p_id"] is not None
    assert early.claimed is not None and early.claimed.fresh and early.claimed.lease == params["p_lease"]
    assert early.matches(scope="user:u1|mp_cases.create", key="k-1")
    assert early_claim.resolve(early, rerun_committed=False) is early.claimed
    # Built once per authentication statement.
    early_claim.read_claiming(connection, READ, {"auth_x": 1}, _early(), caller="user:u1")  # type: ignore[arg-type]
    assert connection.sent[1][0] is statement


def test_a_unique_violation_rolls_back_and_reads_alone(app, monkeypatch):
    violation = IntegrityError("INSERT", {}, Exception("duplicate key"))
    connection, early = FakeConnection(fail=violation), _early()
    rolled: list[bool] = []
    monkeypatch.setattr(db.session(), "rollback", lambda: rolled.append(True))
    rows = early_claim.read_claiming(connection, READ, {"auth_x": 1}, early, caller="machine:c1")  # type: ignore[arg-type]
    assert rows == [(1,)]  # the plain read, on the session's new connection (SQLite here)
    assert rolled == [True] and early.conflicted and early.claimed is None
    assert early.used and early.matches(scope="machine:c1|mp_cases.create", key="k-1")


def test_a_body_that_cannot_be_fingerprinted_is_read_plainly(app):
    def broken() -> str:
        raise ValueError("unnamed multipart part")

    connection, early = FakeConnection(), _early(broken)
    early_claim.read_claiming(connection, READ, {"auth_x": 1}, early, caller="user:u1")  # type: ignore[arg-type]
    assert connection.sent == [(READ, {"auth_x": 1})] and not early.used
    assert isinstance(early.unreadable, ValueError)  # kept for the decorator to raise: the body is not read twice


def test_without_a_key_or_on_sqlite_the_read_is_sent_alone(app):
    connection = FakeConnection()
    early_claim.read_claiming(connection, READ, {"auth_x": 1}, None, caller="user:u1")  # type: ignore[arg-type]
    assert connection.sent == [(READ, {"auth_x": 1})]


def test_a_claim_no_request_holds_is_dropped(app, monkeypatch):
    rolled: list[bool] = []
    monkeypatch.setattr(db.session(), "rollback", lambda: rolled.append(True))
    idempotency.abandon_fresh()
    assert rolled == [True]
