"""The audit log: gap-free HMAC chains (one per shard) that name the first edited, deleted, swapped or inserted row.

Events of one actor share a shard; `shard_seq` is the position in that shard's chain (the tamper drills below
write one actor's events, so they are positions 1..n of one chain).
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.audit import log as audit
from app.extensions import db
from tests.conftest import is_postgres
from tests.support.factories import grant, login, make_user


def append(count: int) -> None:
    for number in range(count):
        audit.record("test.event", actor_kind="system", object_type="thing", object_id=number, details={"n": number})
    db.session.commit()


def test_a_clean_chain_verifies_and_exports_its_head(app):
    append(5)
    result = audit.verify()
    assert result.ok and result.checked == 5 and result.head_seq == 5
    head = audit.export_head()
    assert head["seq"] == 5 and len(head["hash"]) == 64


@pytest.mark.parametrize(
    ("tamper", "position", "problem"),
    [
        ("UPDATE audit_events SET details = '{\"n\": 99}' WHERE shard_seq = 3", 3, "edited"),
        ("UPDATE audit_events SET action = 'nothing.happened' WHERE shard_seq = 2", 2, "edited"),
        ("DELETE FROM audit_events WHERE shard_seq = 4", 4, "gap"),
        (
            "UPDATE audit_events SET shard_seq = -1 WHERE shard_seq = 2;"
            " UPDATE audit_events SET shard_seq = 2 WHERE shard_seq = 3;"
            " UPDATE audit_events SET shard_seq = 3 WHERE shard_seq = -1",
            2,
            "link broken",
        ),
        ("DELETE FROM audit_events WHERE shard_seq = 6", 6, "missing"),
    ],
)
def test_tampering_is_found_at_its_position(app, tamper, position, problem):
    append(6)
    with db.engine.begin() as conn:
        for statement in tamper.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    result = audit.verify()
    assert not result.ok and result.position == position and problem in result.problem


def test_an_inserted_row_is_found(app):
    append(3)
    columns = (
        "shard, at, action, actor_kind, actor_id, object_type, object_id, request_id, details, key_id, prev_hash, hash"
    )
    with db.engine.begin() as conn:  # a copy of row 2 slipped in as row 4, head moved to match
        conn.execute(
            text(
                f"INSERT INTO audit_events (seq, shard_seq, {columns}) SELECT seq + 1000, 4, {columns}"
                " FROM audit_events WHERE shard_seq = 2"
            )
        )
        conn.execute(
            text(
                "UPDATE audit_head SET last_seq = 4,"
                " last_hash = (SELECT hash FROM audit_events WHERE shard_seq = 2 AND seq < 1000)"
                " WHERE id = (SELECT shard FROM audit_events WHERE shard_seq = 2 AND seq < 1000)"
            )
        )
    result = audit.verify()
    assert not result.ok and result.position == 4 and "link broken" in result.problem


def test_the_cli_reports_ok_and_broken(app):
    append(3)
    runner = CliRunner()
    ok = runner.invoke(app.cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "3 events" in ok.output
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor_id = 'someone-else' WHERE shard_seq = 2"))
    broken = runner.invoke(app.cli, ["audit", "verify"])
    assert broken.exit_code == 1 and "position 2" in broken.output


def test_concurrent_writers_leave_no_gap(app, database_url):
    threads_count, per_thread = (12, 10) if is_postgres(database_url) else (4, 5)
    errors = []

    def writer(number: int) -> None:
        try:
            with app.app_context():
                for _ in range(per_thread):  # two writers per actor: same chain, and several chains at once
                    audit.record(
                        "test.concurrent", actor_kind="user", actor_id=f"writer-{number % (threads_count // 2)}"
                    )
                    db.session.commit()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    chains: dict[int, list[int]] = {}
    for shard, shard_seq in db.session.execute(text("SELECT shard, shard_seq FROM audit_events ORDER BY seq")):
        chains.setdefault(shard, []).append(shard_seq)
    assert len(chains) > 1  # the writers' actors spread over several shards
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in chains.values())
    assert sum(len(seqs) for seqs in chains.values()) == threads_count * per_thread
    assert audit.verify().ok


def actors_in_two_shards() -> tuple[str, str]:
    """Two user ids whose events go to different chains."""
    first = "actor-0"
    other = next(
        f"actor-{n}" for n in range(1, 100) if audit.shard_of("user", f"actor-{n}") != audit.shard_of("user", first)
    )
    return first, other


def test_appends_to_another_shard_do_not_wait(app, database_url):
    """No global lock: while one transaction holds its shard's head, another actor's append commits at once."""
    if not is_postgres(database_url):
        pytest.skip("SQLite has one writer at a time whatever the schema")
    first, other = actors_in_two_shards()
    audit.record("test.holding", actor_kind="user", actor_id=first)  # the head of first's shard stays locked
    done = threading.Event()

    def append_other() -> None:
        with app.app_context():
            audit.record("test.parallel", actor_kind="user", actor_id=other)
            db.session.commit()
            done.set()

    thread = threading.Thread(target=append_other)
    thread.start()
    assert done.wait(timeout=10)
    thread.join(timeout=10)
    db.session.commit()
    assert audit.verify().ok and audit.verify().checked == 2


def test_one_transaction_appends_to_one_chain(app):
    """Every event of a transaction goes to the chain its first event chose, so a transaction locks one head."""
    first, other = actors_in_two_shards()
    audit.record("test.a", actor_kind="user", actor_id=first)
    audit.record("test.b", actor_kind="user", actor_id=other)
    db.session.commit()
    audit.record("test.c", actor_kind="user", actor_id=other)
    db.session.commit()
    shards = [row[0] for row in db.session.execute(text("SELECT shard FROM audit_events ORDER BY seq"))]
    assert shards == [audit.shard_of("user", first)] * 2 + [audit.shard_of("user", other)]
    assert audit.verify().ok


def test_a_change_in_a_second_shard_is_found_there(app):
    first, other = actors_in_two_shards()
    for actor in (first, other, first, other):
        audit.record("test.event", actor_kind="user", actor_id=actor)
        db.session.commit()
    shard = audit.shard_of("user", other)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET action = 'x' WHERE shard = :s AND shard_seq = 2"), {"s": shard})
    result = audit.verify()
    assert not result.ok and result.shard == shard and result.position == 2 and "edited" in result.problem
    assert f"shard {shard}" in result.problem


def test_the_exported_head_digests_every_chain(app):
    first, other = actors_in_two_shards()
    for actor in (first, other):
        audit.record("test.event", actor_kind="user", actor_id=actor)
        db.session.commit()
    head = audit.export_head()
    assert head["seq"] == 2 and len(head["shards"]) == 2 and len(head["hash"]) == 64
    audit.record("test.event", actor_kind="user", actor_id=other)
    db.session.commit()
    assert audit.export_head()["hash"] != head["hash"]


def test_security_actions_are_audited(app, client):
    admin, other = make_user(), make_user()
    grant(admin, role="platform_admin")
    headers = login(admin)
    client.put(f"/api/admin/v1/users/{other.id}/roles", json={"role": "hotline_operator"}, headers=headers)
    client.put(f"/api/admin/v1/users/{other.id}/status", json={"active": False}, headers=headers)
    client.post("/api/court/v1/auth/token", json={"client_id": "mc_nobody", "client_secret": "x"})
    actions = [row[0] for row in db.session.execute(text("SELECT action FROM audit_events ORDER BY seq"))]
    assert actions == ["auth.login", "admin.role_granted", "admin.user_disabled", "auth.machine_login_failed"]
    details = " ".join(str(row[0]) for row in db.session.execute(text("SELECT details FROM audit_events")))
    assert "138" not in details  # no phone numbers in the audit details
    assert audit.verify().ok
