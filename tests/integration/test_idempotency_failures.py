"""Idempotency-Key after a failed transaction: released when nothing committed, never run twice when it did.

The claim of a request is its record, written in the request's own transaction and landing with its first
write, so the layer knows after a failure whether the work landed. These tests break the request at each
point: the database connection killed mid-request (PostgreSQL, pg_terminate_backend from another
connection), the commit failing, the answer failing after the commit, a rollback inside the request, and a
request whose lease ran out and was taken over.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from app.errors import Conflict, DatabaseUnavailable
from app.extensions import db
from app.identity import Court
from app.platform import idempotency
from app.platform.models import IdempotencyRecord
from tests.conftest import is_postgres
from tests.support import probe_routes

WRITE = "/api/probe/write"


@pytest.fixture
def hooks() -> Iterator[dict]:
    """The probe write's failure points, cleared after the test."""
    probe_routes.hooks.clear()
    yield probe_routes.hooks
    probe_routes.hooks.clear()


@pytest.fixture
def postgres_only(database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): killing a backend connection mid-request")


def rows(title: str) -> int:
    """How many rows the probe write made for this title."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Court).where(Court.name == title))


def lost_connection() -> OperationalError:
    """What the driver raises when the server went away."""
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


def once(action: Callable[[], None]) -> Callable[[], None]:
    """Run `action` the first time only."""
    done: list[bool] = []

    def run() -> None:
        if not done:
            done.append(True)
            action()

    return run


def raising(error: Exception) -> Callable[[], None]:
    """A hook that raises `error`."""

    def run() -> None:
        raise error

    return run


def kill_my_connection() -> None:
    """Terminate this session's backend from another connection and wait until it is gone."""
    pid = db.session.execute(text("select pg_backend_pid()")).scalar()
    with db.engine.connect() as other:
        assert other.execute(text("select pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()


@contextlib.contextmanager
def commit_fails_once() -> Iterator[None]:
    """The first commit of a request holding a key raises as a dropped connection would (its marker included)."""
    fired: list[bool] = []

    def fail(session: Session) -> None:
        if idempotency._CLAIM in session.info and not fired:
            fired.append(True)
            raise lost_connection()

    event.listen(Session, "before_commit", fail)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", fail)


def test_a_failed_commit_releases_the_key_and_the_retry_writes_once(probe_client, hooks):
    headers = {"Idempotency-Key": "commit-fails"}
    with commit_fails_once():
        first = probe_client.post(WRITE, json={"title": "提交失败"}, headers=headers)
    assert first.status_code == 503 and first.get_json()["reason"] == "database.unavailable"
    assert rows("提交失败") == 0 and db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    retry = probe_client.post(WRITE, json={"title": "提交失败"}, headers=headers)
    assert retry.status_code == 201
    replay = probe_client.post(WRITE, json={"title": "提交失败"}, headers=headers)
    assert replay.status_code == 201 and replay.get_json() == retry.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert rows("提交失败") == 1


def test_a_failure_after_the_commit_never_runs_the_work_twice(probe_client, hooks):
    hooks["after_commit"] = once(raising(lost_connection()))
    headers = {"Idempotency-Key": "answer-lost"}
    first = probe_client.post(WRITE, json={"title": "答复丢失"}, headers=headers)
    assert first.status_code == 503
    retry = probe_client.post(WRITE, json={"title": "答复丢失"}, headers=headers)
    assert retry.status_code == 409 and retry.get_json()["reason"] == "idempotency.outcome_unknown"
    assert rows("答复丢失") == 1


def test_a_refused_request_frees_its_key(probe_client, hooks):
    hooks["before_commit"] = once(raising(Conflict("not now", reason="state.conflict")))
    headers = {"Idempotency-Key": "refused"}
    assert probe_client.post(WRITE, json={"title": "被拒"}, headers=headers).status_code == 409
    assert probe_client.post(WRITE, json={"title": "被拒"}, headers=headers).status_code == 201
    assert rows("被拒") == 1


def test_killed_connection_mid_request_then_an_immediate_retry_succeeds(postgres_only, probe_client, hooks):
    hooks["before_commit"] = once(kill_my_connection)
    headers = {"Idempotency-Key": "killed-mid-request"}
    first = probe_client.post(WRITE, json={"title": "连接被杀"}, headers=headers)
    assert first.status_code == 503 and first.get_json()["reason"] == "database.unavailable"
    retry = probe_client.post(WRITE, json={"title": "连接被杀"}, headers=headers)
    assert retry.status_code == 201, retry.get_json()
    assert rows("连接被杀") == 1


def test_killed_connection_while_filing_a_case(postgres_only, client, monkeypatch):
    from app.cases import filing as case_filing
    from app.cases.models import Case
    from tests.support.cases import filing
    from tests.support.factories import login, make_org, make_user

    headers = {**login(make_user(real_name="张三", phone="13800000008")), "Idempotency-Key": "file-killed"}
    body = filing(org=make_org())
    write = case_filing.filed_rows.write
    kill = once(kill_my_connection)

    def killing_write(*args, **kwargs):  # the case and its rows written, not committed: then the connection dies
        write(*args, **kwargs)
        kill()

    monkeypatch.setattr(case_filing.filed_rows, "write", killing_write)
    first = client.post("/api/mp/v1/cases", json=body, headers=headers)
    assert first.status_code == 503
    retry = client.post("/api/mp/v1/cases", json=body, headers=headers)
    assert retry.status_code == 201, retry.get_json()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def landed(held: idempotency.StoredResponse | idempotency.Claim) -> idempotency.Claim:
    """Commit a claim as a request's first commit without its work would: the record lands `in_flight`."""
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held):
        db.session.commit()
    return held


def test_a_request_taken_over_after_its_lease_cannot_commit(app, clock):
    first = landed(idempotency.claim(scope="u1", key="k", fingerprint="f"))
    clock.advance(seconds=idempotency.IN_FLIGHT_LEASE.total_seconds() + 1)
    with app.app_context():  # the retry: another request, its own session
        second = landed(idempotency.claim(scope="u1", key="k", fingerprint="f"))
    with idempotency.holding(first):
        db.session.add(Court(code="late", name="迟到", region="probe"))
        with pytest.raises(Conflict):
            db.session.commit()
    db.session.rollback()
    assert rows("迟到") == 0
    with idempotency.holding(second):
        db.session.add(Court(code="owner", name="接手", region="probe"))
        db.session.commit()
    assert second.committed and rows("接手") == 1


def test_the_claim_lands_with_the_work_in_one_commit(app):
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held):
        db.session.rollback()  # the work rolls back (e.g. to retry a race): nothing of the claim is left ...
        with db.engine.connect() as other:
            assert other.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
        # ... and the request's next transaction claims the key again, landing it with the work
        db.session.add(Court(code="c1", name="一次提交", region="probe"))
        db.session.commit()
    assert held.committed and rows("一次提交") == 1
    with pytest.raises(Conflict) as running:
        idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert running.value.reason == "idempotency.in_flight"


def test_a_duplicate_that_claimed_the_key_during_a_rollback_stops_the_request(app):
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held):
        db.session.rollback()
    with app.app_context():  # a duplicate gets the key while the first request is between transactions
        landed(idempotency.claim(scope="u1", key="k", fingerprint="f"))
    with idempotency.holding(held), pytest.raises(Conflict) as stopped:
        db.session.add(Court(code="c1", name="重复", region="probe"))
        db.session.commit()
    assert stopped.value.reason == "idempotency.in_flight"
    assert rows("重复") == 0


def test_committed_work_without_an_answer_is_in_flight_then_unknown(app, clock):
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    with idempotency.holding(held):
        db.session.commit()  # nothing written: not the work
        assert not held.committed
        db.session.add(Court(code="c1", name="进程被杀", region="probe"))
        db.session.commit()
    assert held.committed  # ... and the process dies here, before finish()
    with pytest.raises(Conflict) as running:
        idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert running.value.reason == "idempotency.in_flight"
    clock.advance(seconds=idempotency.IN_FLIGHT_LEASE.total_seconds() + 1)
    with pytest.raises(Conflict) as unknown:
        idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert unknown.value.reason == "idempotency.outcome_unknown"


def test_a_bookkeeping_write_is_retried_once_after_a_lost_connection(app, monkeypatch):
    held = landed(idempotency.claim(scope="u1", key="k", fingerprint="f"))
    attempts: list[int] = []
    execute = db.session.execute

    def flaky(statement, *args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise lost_connection()
        return execute(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", flaky)
    assert idempotency.fail(held)
    monkeypatch.undo()
    assert len(attempts) == 3  # the lost first try, then both statements of the release on a fresh connection
    assert isinstance(idempotency.claim(scope="u1", key="k", fingerprint="f"), idempotency.Claim)


def test_work_that_dedups_by_key_may_run_again_when_its_answer_was_lost(app, clock):
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    with idempotency.holding(held):
        db.session.add(Court(code="c1", name="答复丢失", region="probe"))
        db.session.commit()
    assert idempotency.fail(held)  # the answer failed after the commit: the lease ends at once
    with pytest.raises(Conflict) as unknown:
        idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert unknown.value.reason == "idempotency.outcome_unknown"
    again = landed(idempotency.claim(scope="u1", key="k", fingerprint="f", rerun_committed=True))
    assert isinstance(again, idempotency.Claim)  # e.g. filing a case: create_case returns the case of this key
    with pytest.raises(Conflict) as running:
        idempotency.claim(scope="u1", key="k", fingerprint="f", rerun_committed=True)
    assert running.value.reason == "idempotency.in_flight"
    assert idempotency.finish(scope="u1", key="k", status=201, body={"id": "c1"}, held=again)
    assert idempotency.begin(scope="u1", key="k", fingerprint="f") == idempotency.StoredResponse(201, {"id": "c1"})


def test_a_release_the_outage_prevented_is_written_before_the_next_claim(app, monkeypatch, caplog):
    """After an outage longer than the retry, the key is freed as soon as the process reaches the database."""
    held = landed(idempotency.claim(scope="u1", key="k", fingerprint="f"))
    execute = db.session.execute

    def down(statement, *args, **kwargs):
        raise lost_connection()

    monkeypatch.setattr(db.session, "execute", down)
    assert not idempotency.fail(held)  # both tries lost: kept for later, not forgotten
    monkeypatch.setattr(db.session, "execute", execute)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    # The next request of this process (any key) writes the kept release first.
    assert isinstance(idempotency.claim(scope="u2", key="other", fingerprint="g"), idempotency.Claim)
    assert isinstance(idempotency.claim(scope="u1", key="k", fingerprint="f"), idempotency.Claim)


def test_work_whose_commit_outcome_is_unknown_is_settled_by_the_record(app, monkeypatch):
    """The COMMIT carrying the claim and the work lost its connection after it landed: the key answers
    outcome_unknown (never a second run); had it not landed, nothing would be left and a retry would run."""
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    commit = db.session.commit

    def landed_but_lost() -> None:
        commit()
        raise lost_connection()

    monkeypatch.setattr(db.session, "commit", landed_but_lost)
    with idempotency.holding(held), pytest.raises(OperationalError):
        db.session.add(Court(code="c1", name="提交未知", region="probe"))
        db.session.commit()
    monkeypatch.setattr(db.session, "commit", commit)
    assert idempotency.fail(held)
    with pytest.raises(Conflict) as unknown:
        idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert unknown.value.reason == "idempotency.outcome_unknown"
    assert rows("提交未知") == 1


def test_a_take_over_whose_commit_outcome_is_unknown_does_not_hold_the_key(app, monkeypatch):
    """The nothing-lost storm found it: a retry took over a committed key, its COMMIT lost the connection;
    the key then answered in_flight to every retry for the whole lease. The take-over now lands with the
    retry's work, and its failure ends the lease at once."""
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    with idempotency.holding(held):
        db.session.add(Court(code="c1", name="接手丢失", region="probe"))
        db.session.commit()
    assert idempotency.fail(held)  # the answer was lost after the commit: the lease ends
    again = idempotency.claim(scope="u1", key="k", fingerprint="f", rerun_committed=True)
    assert isinstance(again, idempotency.Claim)
    commit = db.session.commit

    def landed_but_lost() -> None:
        commit()
        raise lost_connection()

    monkeypatch.setattr(db.session, "commit", landed_but_lost)
    with idempotency.holding(again), pytest.raises(OperationalError):
        db.session.commit()  # the rerun finds its earlier result: the take-over commits alone
    monkeypatch.setattr(db.session, "commit", commit)
    assert idempotency.fail(again)
    assert isinstance(idempotency.claim(scope="u1", key="k", fingerprint="f", rerun_committed=True), idempotency.Claim)


def others_see(title: str) -> int:
    """How many probe rows of this title another connection sees (what has committed)."""
    with db.engine.connect() as other:
        return other.scalar(select(func.count()).select_from(Court).where(Court.name == title))


def test_the_answer_lands_with_the_work_in_one_commit(app):
    """One COMMIT per write request: the work's commit is deferred until its answer is written beside it."""
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    commits: list[object] = []

    def counted(conn: object) -> None:
        commits.append(conn)

    event.listen(db.engine, "commit", counted)
    try:
        with idempotency.holding(held, single_commit=True):
            db.session.add(Court(code="c1", name="一次落库", region="probe"))
            db.session.commit()  # the work's commit: deferred, nothing visible yet
            assert held.pending and not commits and others_see("一次落库") == 0
            assert idempotency.answer(held, status=201, body={"title": "一次落库"})
    finally:
        event.remove(db.engine, "commit", counted)
    assert len(commits) == 1 and others_see("一次落库") == 1
    assert idempotency.begin(scope="u1", key="k", fingerprint="f") == idempotency.StoredResponse(
        201, {"title": "一次落库"}
    )


def test_a_crash_between_the_work_and_its_answer_leaves_nothing(app):
    """The process dies after the work's (deferred) commit, before the answer: neither landed, the key is free."""
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held, single_commit=True):
        db.session.add(Court(code="c1", name="崩溃", region="probe"))
        db.session.commit()
    db.session.close()  # the connection goes with the process: its transaction is rolled back
    assert others_see("崩溃") == 0
    assert isinstance(idempotency.claim(scope="u1", key="k", fingerprint="f"), idempotency.Claim)


def test_a_job_enqueued_mid_request_reads_the_work_committed(app):
    """A job sent (or run in-process) while the commit is deferred would not see the work: it is committed
    first, and the answer gets a short transaction of its own, as before."""
    from celery import signals

    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held, single_commit=True):
        db.session.add(Court(code="c1", name="任务", region="probe"))
        db.session.commit()
        signals.task_prerun.send(sender=None)
        assert others_see("任务") == 1 and held.committed
        assert not idempotency.answer(held, status=201, body={"ok": True})
    assert idempotency.finish(scope="u1", key="k", status=201, body={"ok": True}, held=held)
    assert idempotency.begin(scope="u1", key="k", fingerprint="f") == idempotency.StoredResponse(201, {"ok": True})


def test_a_rollback_after_a_deferred_commit_keeps_the_work_or_stops_the_request(app):
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held, single_commit=True):
        db.session.add(Court(code="c1", name="保留", region="probe"))
        db.session.commit()
        db.session.add(Court(code="c2", name="未刷新", region="probe"))
        db.session.rollback()  # only the unflushed row goes, as a rollback to the commit would
        assert idempotency.answer(held, status=201, body={})
    assert others_see("保留") == 1 and others_see("未刷新") == 0

    again = idempotency.claim(scope="u1", key="k2", fingerprint="f")
    assert isinstance(again, idempotency.Claim)
    with idempotency.holding(again, single_commit=True):
        db.session.add(Court(code="c3", name="先提交", region="probe"))
        db.session.commit()
        db.session.add(Court(code="c4", name="后写入", region="probe"))
        db.session.flush()  # written after the commit: a rollback cannot undo it alone
        with pytest.raises(DatabaseUnavailable):
            db.session.rollback()
    assert idempotency.fail(again)
    assert others_see("先提交") == 0 and others_see("后写入") == 0
    assert isinstance(idempotency.claim(scope="u1", key="k2", fingerprint="f"), idempotency.Claim)  # key free


def test_a_refusal_after_the_work_committed_lands_the_work_and_frees_the_key(probe_client, hooks):
    """As before one commit per request: what the work committed before a refusal stays, the key is freed."""
    hooks["after_commit"] = once(raising(Conflict("not now", reason="state.conflict")))
    headers = {"Idempotency-Key": "refused-after"}
    assert probe_client.post(WRITE, json={"title": "提交后拒绝"}, headers=headers).status_code == 409
    assert rows("提交后拒绝") == 1
    assert probe_client.post(WRITE, json={"title": "提交后拒绝"}, headers=headers).status_code == 201


def test_a_failed_statement_after_a_deferred_commit_never_answers_success(postgres_only, app):
    """PostgreSQL turns the COMMIT of a transaction with a failed statement into a ROLLBACK without an error: the
    work waiting in it cannot land, so the request stops (nothing landed, the key is free)."""
    held = idempotency.claim(scope="u1", key="k", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held, single_commit=True):
        db.session.add(Court(code="c1", name="语句失败", region="probe"))
        db.session.commit()
        with pytest.raises(DBAPIError):
            db.session.execute(text("select 1 / 0"))
        with pytest.raises(DatabaseUnavailable):
            db.session.rollback()
    assert idempotency.fail(held)
    assert others_see("语句失败") == 0
    assert isinstance(idempotency.claim(scope="u1", key="k", fingerprint="f"), idempotency.Claim)
