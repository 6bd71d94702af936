"""Idempotency-Key: replay, different body, in flight, take-over, and exactly once under concurrent retries."""

import threading

import pytest

from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.platform import idempotency
from tests.support import probe_routes


def landed(held: idempotency.StoredResponse | idempotency.Claim) -> idempotency.Claim:
    """Commit a claim as a request's first commit without its work would: the record lands `in_flight`."""
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held):
        db.session.commit()
    return held


def test_service_replays_the_finished_response(app):
    assert idempotency.begin(scope="u1", key="k", fingerprint="f1") is None
    idempotency.finish(scope="u1", key="k", status=201, body={"id": "c1"})
    stored = idempotency.begin(scope="u1", key="k", fingerprint="f1")
    assert stored.status == 201 and stored.body == {"id": "c1"}


def test_service_refuses_a_different_body_and_an_in_flight_key(app):
    landed(idempotency.claim(scope="u1", key="k", fingerprint="f1"))
    with pytest.raises(Conflict) as in_flight:
        idempotency.begin(scope="u1", key="k", fingerprint="f1")
    assert in_flight.value.reason == "idempotency.in_flight"
    with pytest.raises(ValidationFailed) as reused:
        idempotency.begin(scope="u1", key="k", fingerprint="other")
    assert reused.value.reason == "idempotency.key_reused"


def test_keys_are_scoped_per_caller(app):
    assert idempotency.begin(scope="u1", key="k", fingerprint="f") is None
    assert idempotency.begin(scope="u2", key="k", fingerprint="f") is None


def test_a_dead_first_attempt_is_taken_over_after_its_lease(app, clock):
    landed(idempotency.claim(scope="u1", key="k", fingerprint="f"))
    clock.advance(seconds=idempotency.IN_FLIGHT_LEASE.total_seconds() + 1)
    assert idempotency.begin(scope="u1", key="k", fingerprint="f") is None


def test_abandon_frees_the_key_and_purge_respects_retention(app, clock):
    idempotency.begin(scope="u1", key="k", fingerprint="f")
    idempotency.abandon(scope="u1", key="k")
    assert idempotency.begin(scope="u1", key="k", fingerprint="other") is None
    idempotency.finish(scope="u1", key="k", status=200, body={})
    assert idempotency.purge_expired() == 0
    clock.advance(hours=app.config["IDEMPOTENCY_TTL_HOURS"] + 1)
    assert idempotency.purge_expired() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\tkey", "键"])
def test_malformed_keys_are_422(probe_client, key):
    response = probe_client.post("/api/probe/echo", json={"title": "t"}, headers={"Idempotency-Key": key})
    assert response.status_code in (400, 422)
    assert "reason" in response.get_json()


def test_http_replay_mismatch_and_correction(probe_client):
    headers = {"Idempotency-Key": "case-create-1"}
    first = probe_client.post("/api/probe/echo", json={"title": "借款纠纷"}, headers=headers)
    again = probe_client.post("/api/probe/echo", json={"title": "借款纠纷"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = probe_client.post("/api/probe/echo", json={"title": "other"}, headers=headers)
    assert other.status_code == 422 and other.get_json()["reason"] == "idempotency.key_reused"
    assert probe_routes.calls["count"] == 1


def test_failed_request_does_not_burn_the_key(probe_client):
    headers = {"Idempotency-Key": "fix-and-retry"}
    assert probe_client.post("/api/probe/echo", json={"title": ""}, headers=headers).status_code == 422
    assert probe_client.post("/api/probe/echo", json={"title": "fixed"}, headers=headers).status_code == 201


def test_required_key(probe_client):
    response = probe_client.post("/api/probe/must-key")
    assert response.status_code == 400 and response.get_json()["reason"] == "idempotency.key_required"


def test_concurrent_retries_execute_exactly_once(app, probe_client):
    """Eight retries of one request race; the work runs once, the others replay it or get 409."""
    results = []
    barrier = threading.Barrier(8)

    def retry():
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/probe/echo", json={"title": "同一请求", "slow": True}, headers={"Idempotency-Key": "race-1"}
        )
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert probe_routes.calls["count"] == 1
    statuses = sorted(status for status, _ in results)
    assert len(statuses) == 8 and set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    assert all(body["reason"] == "idempotency.in_flight" for status, body in results if status == 409)
    final = app.test_client().post(
        "/api/probe/echo", json={"title": "同一请求", "slow": True}, headers={"Idempotency-Key": "race-1"}
    )
    assert final.status_code == 201 and final.get_json()["execution"] == 1
