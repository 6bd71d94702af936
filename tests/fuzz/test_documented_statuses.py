"""The OpenAPI document lists every status an operation answers, derived centrally (miniprogram_api/docs.py)."""

from __future__ import annotations

import pytest

from miniprogram_api import error_scan

OPERATIONS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in OPERATIONS:
            if method in item and path.startswith("/api/") and not path.startswith("/api/probe/"):
                yield path, method, item[method]


def test_no_operation_hides_statuses_behind_default_and_every_error_is_the_error_schema(spec):
    found = list(_operations(spec))
    assert len(found) > 100
    for path, method, operation in found:
        responses = operation["responses"]
        assert "default" not in responses, f"{method} {path}"
        assert {"400", "422", "500", "503"} <= set(responses), f"{method} {path}"
        for status, response in responses.items():
            if int(status) >= 400:
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
                error = response["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"


def test_statuses_follow_the_access_declaration_and_the_route(spec):
    paths = spec["paths"]
    assert "401" not in paths["/api/public/v1/healthz"]["get"]["responses"]
    assert "401" in paths["/api/mp/v1/cases"]["get"]["responses"]
    assert "403" in paths["/api/court/v1/work-items"]["get"]["responses"]  # the court gate refuses with 403
    assert "404" in paths["/api/admin/v1/clients"]["get"]["responses"]  # administration hides itself: 404
    assert "404" in paths["/api/mp/v1/cases/{case_id}"]["get"]["responses"]  # a path parameter
    assert "404" not in paths["/api/mp/v1/cases"]["get"]["responses"]
    assert "413" in paths["/api/mp/v1/cases"]["post"]["responses"]  # a body
    assert "429" in paths["/api/mp/v1/auth/sms/send"]["post"]["responses"]  # rate limited
    assert "429" not in paths["/api/mp/v1/cases"]["get"]["responses"]


def test_idempotency_key_is_documented_where_honoured(spec):
    def key(path: str, method: str) -> dict | None:
        parameters = spec["paths"][path][method].get("parameters", [])
        return next((p for p in parameters if p.get("name") == "Idempotency-Key"), None)

    assert key("/api/mp/v1/cases", "post")["required"] is False
    assert key("/api/court/v1/documents", "post")["required"] is True
    assert key("/api/mp/v1/cases", "get") is None


def test_the_scan_follows_the_view_into_the_services(app):
    views = app.view_functions
    assert 409 in error_scan.statuses(views["mp_cases.withdraw"])  # the case's state machine refuses
    assert 409 not in error_scan.statuses(views["mp_cases.list_cases"])
    assert error_scan.statuses(views["health.healthz"]) <= {503}
