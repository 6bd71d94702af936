"""An Idempotency-Key claimed in the statement that authenticates the caller (app/platform/early_claim.py).

On PostgreSQL the claim's INSERT is a CTE of authentication's SELECT. These walk what could go differently from the
claim as a statement of its own: a refused caller (ended session, a route it may not use) must leave the key free,
a duplicate racing the first request must wait and replay, and the claim must not be sent twice. On SQLite the
claim is its own statement as before, and the same answers hold.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from app.cases import Case
from app.extensions import db
from app.platform import early_claim
from app.platform.models import IdempotencyRecord
from tests.conftest import is_postgres
from tests.integration.test_statement_budgets import counting
from tests.support.cases import filing
from tests.support.factories import login, make_org, make_user

CASES = "/api/mp/v1/cases"


def _records(key: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(IdempotencyRecord).where(IdempotencyRecord.key == key))


def test_a_keyed_filing_claims_its_key_with_the_callers_read(client, database_url):
    org = make_org()
    user = make_user(real_name="张三")
    headers = login(user) | {"Idempotency-Key": "early-1"}
    body = filing(org=org)
    db.session.close()
    with counting() as count:
        answer = client.post(CASES, json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    claims = [sql for sql in count.statements if "INSERT INTO idempotency_records" in sql]
    assert len(claims) == 1, count  # claimed once, never again by the decorator
    if is_postgres(database_url):
        assert count.statements[0] is claims[0] and "FROM auth_sessions" in claims[0], count
    else:
        assert "FROM auth_sessions" not in claims[0], count
    replay = client.post(CASES, json=body, headers=headers)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == answer.get_json()["id"]
    assert _records("early-1") == 1


def test_an_ended_session_leaves_the_key_free(client):
    org = make_org()
    user = make_user(real_name="张三")
    ended, live = login(user), login(user)
    assert client.post("/api/mp/v1/auth/logout", headers=ended).status_code == 204
    key = {"Idempotency-Key": "early-ended"}
    refused = client.post(CASES, json=filing(org=org), headers=ended | key)
    assert refused.status_code == 401 and refused.get_json()["reason"] == "auth.session_ended"
    assert _records("early-ended") == 0
    filed = client.post(CASES, json=filing(org=org), headers=live | key)
    assert filed.status_code == 201 and "Idempotent-Replayed" not in filed.headers


def test_a_disabled_account_and_a_refused_role_leave_the_key_free(client):
    user = make_user(real_name="张三")
    headers = login(user)
    # A citizen may not book a session (the mediator's route): refused after the read that carried the claim.
    case_id = uuid.uuid4()
    slot = {"starts_at": "2026-11-10T09:00:00+08:00", "ends_at": "2026-11-10T10:00:00+08:00", "mode": "phone"}
    url = f"{CASES}/{case_id}/sessions"
    refused = client.post(url, json=slot, headers=headers | {"Idempotency-Key": "early-role"})
    assert refused.status_code in {403, 404}, refused.get_json()
    assert _records("early-role") == 0
    user.status = "disabled"
    db.session.commit()
    disabled = client.post(CASES, json=filing(org=make_org()), headers=headers | {"Idempotency-Key": "early-off"})
    assert disabled.status_code == 401 and disabled.get_json()["reason"] == "auth.account_disabled"
    assert _records("early-off") == 0


def test_a_malformed_key_is_refused_after_authentication_as_before(client):
    headers = login(make_user(real_name="张三")) | {"Idempotency-Key": "键"}
    answer = client.post(CASES, json=filing(org=make_org()), headers=headers)
    assert answer.status_code == 422 and answer.get_json()["reason"] == "idempotency.key_invalid"
    bad_token = client.post(CASES, json={}, headers={"Authorization": "Bearer a.b.c", "Idempotency-Key": "键"})
    assert bad_token.status_code == 401


@pytest.mark.postgres
def test_concurrent_duplicates_file_one_case(app, database_url):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite serialises every writer on one file lock")
    org = make_org()
    user = make_user(real_name="张三")
    headers = login(user) | {"Idempotency-Key": "early-race"}
    body = filing(org=org)
    threads, results, barrier = 6, [], threading.Barrier(6)

    def run() -> None:
        client = app.test_client()
        barrier.wait()
        answer = client.post(CASES, json=body, headers=headers)
        results.append((answer.status_code, answer.get_json()))

    runners = [threading.Thread(target=run) for _ in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=120)
    assert len(results) == threads
    assert {status for status, _ in results} <= {201, 409}, results
    assert all(answer["reason"] == "idempotency.in_flight" for status, answer in results if status == 409)
    assert len({answer["id"] for status, answer in results if status == 201}) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.filed_by_user_id == user.id)) == 1


def test_an_early_claim_matches_only_its_own_caller_and_key():
    early = early_claim.EarlyClaim(key="k", endpoint="mp_cases.create", fingerprint_of=lambda: "f")
    assert not early.matches(scope="", key="k")  # nothing claimed or found yet
    early.scope, early.conflicted = "user:1|mp_cases.create", True
    assert early.matches(scope="user:1|mp_cases.create", key="k")
    assert not early.matches(scope="user:2|mp_cases.create", key="k")
    assert not early.matches(scope="user:1|mp_cases.create", key="other")
