"""The audit log: a gap-free HMAC chain that names the first edited, deleted, swapped or inserted row."""

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
        ("UPDATE audit_events SET details = '{\"n\": 99}' WHERE seq = 3", 3, "edited"),
        ("UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 2", 2, "edited"),
        ("DELETE FROM audit_events WHERE seq = 4", 4, "gap"),
        (
            "UPDATE audit_events SET seq = -1 WHERE seq = 2; UPDATE audit_events SET seq = 2 WHERE seq = 3;"
            " UPDATE audit_events SET seq = 3 WHERE seq = -1",
            2,
            "link broken",
        ),
        ("DELETE FROM audit_events WHERE seq = 6", 6, "missing"),
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
    columns = "at, action, actor_kind, actor_id, object_type, object_id, request_id, details, key_id, prev_hash, hash"
    with db.engine.begin() as conn:  # a copy of row 2 slipped in as row 4, head moved to match
        conn.execute(
            text(f"INSERT INTO audit_events (seq, {columns}) SELECT 4, {columns} FROM audit_events WHERE seq = 2")
        )
        conn.execute(
            text("UPDATE audit_head SET last_seq = 4, last_hash = (SELECT hash FROM audit_events WHERE seq = 2)")
        )
    result = audit.verify()
    assert not result.ok and result.position == 4 and "link broken" in result.problem


def test_the_cli_reports_ok_and_broken(app):
    append(3)
    runner = CliRunner()
    ok = runner.invoke(app.cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "3 events" in ok.output
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2"))
    broken = runner.invoke(app.cli, ["audit", "verify"])
    assert broken.exit_code == 1 and "position 2" in broken.output


def test_concurrent_writers_leave_no_gap(app, database_url):
    threads_count, per_thread = (12, 10) if is_postgres(database_url) else (4, 5)
    errors = []

    def writer() -> None:
        try:
            with app.app_context():
                for _ in range(per_thread):
                    audit.record("test.concurrent", actor_kind="system")
                    db.session.commit()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    seqs = [row[0] for row in db.session.execute(text("SELECT seq FROM audit_events ORDER BY seq"))]
    assert seqs == list(range(1, threads_count * per_thread + 1))
    assert audit.verify().ok


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
