"""Every error leaves in the one JSON shape, with the right status and headers, never a stack trace."""

import logging

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.platform.models import IdempotencyRecord

SHAPE = {"code", "status", "reason", "message", "errors", "request_id"}


def assert_shape(response, code, reason=None):
    body = response.get_json()
    assert response.status_code == code
    assert set(body) == SHAPE
    assert body["code"] == code
    assert body["request_id"] == response.headers["X-Request-ID"]
    if reason:
        assert body["reason"] == reason
    return body


def test_unknown_route_is_404(client):
    assert_shape(client.get("/api/mp/v1/nothing-here"), 404, "resource.not_found")


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/public/v1/healthz")
    assert_shape(response, 405, "request.method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_validation_errors_name_each_field(probe_client):
    response = probe_client.post("/api/probe/echo", json={"title": "", "amount": "-1", "status": "settled"})
    body = assert_shape(response, 422, "validation.failed")
    assert set(body["errors"]) == {"title", "amount", "status"}  # unknown server-owned field refused too


def test_malformed_json_is_a_client_error(probe_client):
    response = probe_client.post("/api/probe/echo", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert set(response.get_json()) == SHAPE


def test_body_too_large_is_413(app, probe_client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = probe_client.post("/api/probe/upload", data=b"x" * 2048, content_type="application/octet-stream")
    assert_shape(response, 413, "request.too_large")


def test_domain_conflict_keeps_reason_and_errors(probe_client):
    body = assert_shape(probe_client.post("/api/probe/conflict"), 409, "case.illegal_transition")
    assert body["errors"] == {"state": ["accepted"]}


def test_rate_limit_is_429_with_retry_after(probe_client):
    assert probe_client.get("/api/probe/limited").status_code == 200
    assert probe_client.get("/api/probe/limited").status_code == 200
    response = probe_client.get("/api/probe/limited")
    assert_shape(response, 429, "rate.limited")
    assert int(response.headers["Retry-After"]) >= 1


def test_unexpected_error_is_500_without_internals_and_rolled_back(probe_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = probe_client.post("/api/probe/boom")
    body = assert_shape(response, 500, "internal.error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text  # the operator still gets the trace in the log
    assert body["message"] == "服务器无法完成该请求。"  # Chinese unless the reader asks otherwise
    english = probe_client.post("/api/probe/boom", headers={"Accept-Language": "en"})
    assert assert_shape(english, 500, "internal.error")["message"] == "The server could not complete the request."
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


@pytest.mark.parametrize("incoming", ["abc-123-def-456", "req.2026:11:28_x"])
def test_sane_request_id_is_kept(client, incoming):
    response = client.get("/api/public/v1/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "x" * 200, "<script>alert(1)</script>"])
def test_insane_request_id_is_replaced(client, incoming):
    response = client.get("/api/public/v1/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize(("sqlstate", "status"), [("40P01", 503), ("40001", 503), ("42P01", 500)])
def test_a_transaction_the_database_aborted_for_a_concurrent_one_is_503_not_500(app, sqlstate, status):
    """A deadlock or serialization failure rolled the whole request back: retrying is right (Retry-After: 1)."""
    from sqlalchemy.exc import OperationalError

    from miniprogram_api import errors

    class Orig(Exception):
        pass

    orig = Orig("deadlock detected")
    orig.sqlstate = sqlstate  # type: ignore[attr-defined]
    with app.test_request_context("/api/mp/v1/cases"):
        answer = errors._database_or_unexpected(OperationalError("UPDATE ...", {}, orig))
    assert answer.status_code == status
    if status == 503:
        assert answer.get_json()["reason"] == "database.unavailable" and answer.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("message", "status"), [("This connection is closed", 503), ("Object is already attached to session", 500)]
)
def test_a_pool_that_gave_up_reconnecting_is_503_not_500(app, message, status):
    """Every connection the pool tried at checkout was closed again at once (the database restarting or terminating
    backends; seen under test_nothing_lost's kill storm): the database is unavailable, a retry is right."""
    from sqlalchemy.exc import InvalidRequestError

    from miniprogram_api import errors

    with app.test_request_context("/api/mp/v1/cases"):
        answer = errors._pool_exhausted_or_unexpected(InvalidRequestError(message))
    assert answer.status_code == status
    assert answer.get_json()["reason"] == ("database.unavailable" if status == 503 else "internal.error")
