"""The published OpenAPI document is what the server does: errors, money and date-times (issue 13, item 3)."""

from __future__ import annotations

import json

import pytest
from openapi_schema_validator import OAS30Validator

from tests.support.cases import file_case, filing
from tests.support.factories import login, make_org, make_user

MP = "/api/mp/v1"


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def validate(spec: dict, name: str, instance: object) -> None:
    """Validate `instance` against the published component `name` (refs resolved inside the document)."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    OAS30Validator(schema).validate(instance)


def test_the_error_component_is_exactly_the_error_body(spec):
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "status", "reason", "message", "errors", "request_id"}
    assert set(error["required"]) == set(error["properties"])
    for response in spec["components"]["responses"].values():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def _error_responses(client) -> list:
    user = make_user()
    return [
        client.get(f"{MP}/nothing-here"),  # 404 unknown route
        client.delete("/api/public/v1/healthz"),  # 405
        client.get(f"{MP}/me"),  # 401 no token
        client.get(f"{MP}/me", headers={"Authorization": "Bearer forged"}),  # 401 bad token
        client.post(f"{MP}/auth/sms/send", json={}),  # 422 missing field
        client.post(f"{MP}/auth/sms/send", data="{nope", content_type="application/json"),  # 400 malformed
        client.post(f"{MP}/auth/sms/send", data="[" * 5000, content_type="application/json"),  # 400 too deep
        client.post(f"{MP}/cases", json=filing(org=make_org(), title="a\x00b"), headers=login(user)),  # 422 NUL
        client.get(f"{MP}/cases", query_string={"cursor": "bm90IGEgY3Vyc29y"}, headers=login(user)),  # 422
        client.get(f"{MP}/cases/00000000-0000-0000-0000-000000000000", headers=login(user)),  # 404 unknown id
    ]


def test_every_error_validates_against_the_published_error_schema(client, spec):
    statuses = set()
    for response in _error_responses(client):
        assert response.status_code >= 400
        statuses.add(response.status_code)
        validate(spec, "Error", response.get_json())
    assert statuses >= {400, 401, 404, 405, 422}


def test_a_body_is_documented_as_required_exactly_when_its_schema_requires_a_field(spec):
    """The server loads an absent JSON body as `{}`: a body none of whose fields is required may be left out, and
    the document says so (a client or fuzzer sending none must not contradict a `required: true`)."""
    schemas = spec["components"]["schemas"]
    wrong = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            content = (body or {}).get("content", {}).get("application/json")
            if content is None:
                continue
            schema = content["schema"]
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
            if bool(body.get("required")) != bool(schema.get("required")):
                wrong.append(f"{method.upper()} {path}")
    assert not wrong, wrong


def test_money_is_a_decimal_string_in_the_document_and_on_the_wire(client, spec):
    schemas = spec["components"]["schemas"]
    for name in ("CaseCreateIn", "CaseDetailOut", "CorrectionAnswerIn", "FilingOut"):
        if name in schemas:
            assert schemas[name]["properties"]["amount"]["type"] == "string", name
    user = make_user(real_name="张三")
    created = client.post(f"{MP}/cases", json=filing(org=make_org()), headers=login(user))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["amount"] == "12000.00"
    validate(spec, "CaseDetailOut", body)


@pytest.mark.parametrize("amount", [12000, 12000.5, "12000.005", "-1", "1e3", " 12", "１２"])
def test_money_of_another_type_or_form_is_422(client, amount):
    user = make_user(real_name="张三")
    response = client.post(f"{MP}/cases", json=filing(org=make_org(), amount=amount), headers=login(user))
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"amount"}


def test_date_times_document_their_range(spec):
    described = [
        prop
        for schema in spec["components"]["schemas"].values()
        for prop in schema.get("properties", {}).values()
        if prop.get("format") == "date-time"
    ]
    assert described and all("1970-01-01T00:00:00Z" in prop["description"] for prop in described)


@pytest.mark.parametrize("starts", ["1969-12-31T23:59:59Z", "2100-01-01T00:00:00+00:00", "2099-12-31T20:00:00-08:00"])
def test_a_date_time_outside_the_range_is_422(client, starts):
    user = make_user()
    query = {"from": starts, "to": "2030-01-01T00:00:00+08:00"}
    response = client.get(f"{MP}/me/schedule", query_string=query, headers=login(user))
    assert response.status_code == 422 and "from" in response.get_json()["errors"]


def test_written_date_times_are_rfc3339_with_a_whole_minute_offset(client, spec):
    user = make_user(real_name="张三")
    case = file_case(user, org=make_org())
    body = client.get(f"{MP}/cases/{case.id}", headers=login(user)).get_json()
    validate(spec, "CaseDetailOut", body)
    text = json.dumps(body)
    assert "+08:05" not in text
    stamps = [value for value in body.values() if isinstance(value, str) and value[:2] == "20" and "T" in value]
    assert stamps and all(value.endswith(("+00:00", "+08:00", "Z")) for value in stamps)


def test_the_contract_checker_catches_a_response_that_lies(app, client):
    """tests/support/contract_check.py (run the suite with `-p tests.support.contract_check`) sees lies."""
    from tests.support import contract_check

    user = make_user(real_name="张三")
    response = client.post(f"{MP}/cases", json=filing(org=make_org()), headers=login(user))
    assert contract_check.check(app, response) is None
    lying = response.get_json() | {"amount": 12000.0}
    response.set_data(json.dumps(lying))
    assert "amount" in contract_check.check(app, response)
    error = client.get(f"{MP}/me")
    assert contract_check.check(app, error) is None
    error.set_data(json.dumps(error.get_json() | {"extra": 1}))
    assert "Error" in contract_check.check(app, error) or "extra" in contract_check.check(app, error)
