"""Operation descriptions and examples (miniprogram_api/operation_docs.py and operation_docs/*.json)."""

from __future__ import annotations

from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from miniprogram_api import operation_docs
from tests.api.service.support import push, service_world
from tests.support.factories import grant, login, make_user

METHODS = ("get", "put", "post", "patch", "delete")
PROBES = "/api/probe/"  # tests/support/probe_routes.py: test-only routes mounted after the document is made


def _operations(document: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path, item in document["paths"].items():
        if path.startswith(PROBES):
            continue
        for method in METHODS:
            if method in item:
                operation_id = item[method]["operationId"]
                assert operation_id not in found, f"operationId {operation_id} twice"
                found[operation_id] = item[method]
    return found


def _errors(document: dict, schema: dict, example: object) -> list[str]:
    registry: Registry = Registry().with_resource("urn:openapi", DRAFT4.create_resource(document))
    return sorted(e.message for e in OAS30Validator(_absolute(schema), registry=registry).iter_errors(example))


def _absolute(schema: object) -> object:
    """The schema with every in-document `$ref` pointing into the registered document (arrays of refs too)."""
    if isinstance(schema, dict):
        return {
            key: "urn:openapi" + value if key == "$ref" and str(value).startswith("#/") else _absolute(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(value) for value in schema]
    return schema


def test_every_operation_has_a_unique_id_and_says_who_may_call_it(client):
    document = client.get("/api/openapi.json").get_json()
    operations = _operations(document)
    assert len(operations) > 100
    for operation_id, operation in operations.items():
        assert "**Who may call it:**" in operation.get("description", ""), operation_id
        takes_key = any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
        assert takes_key == ("**Idempotency-Key:**" in operation["description"]), operation_id
        if "**Rate limited:**" in operation["description"]:  # a 429 may also come from the code (e.g. SMS quotas)
            assert "429" in operation["responses"], operation_id


def test_every_hand_written_entry_names_an_operation_and_its_examples_validate(client):
    document = client.get("/api/openapi.json").get_json()
    operations = _operations(document)
    unknown = sorted(set(operation_docs.entries()) - set(operations))
    assert not unknown, f"operation_docs/*.json names no such operationId: {unknown}"
    checked = 0
    for operation_id, entry in operation_docs.entries().items():
        assert set(entry) <= {"description", "request", "responses"}, operation_id
        operation = operations[operation_id]
        assert operation["description"].startswith(entry.get("description", "")), operation_id
        if "request" in entry:
            content = operation["requestBody"]["content"]
            for media in content.values():
                assert media["example"] == entry["request"]
                errors = _errors(document, media["schema"], entry["request"])
                assert not errors, (operation_id, "request", errors)
                checked += 1
        for status, example in entry.get("responses", {}).items():
            media = operation["responses"][status]["content"]["application/json"]
            assert media["example"] == example, (operation_id, status, "a shared ($ref) response takes no example")
            errors = _errors(document, media["schema"], example)
            assert not errors, (operation_id, status, errors)
            checked += 1
    assert checked >= 5


def test_a_broken_example_is_caught(client):
    document = client.get("/api/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/MachineTokenOut"}
    assert _errors(document, schema, {"access_token": "x", "token_type": "Bearer"})  # expires_in missing
    assert not _errors(document, schema, {"access_token": "x", "token_type": "Bearer", "expires_in": 900})


def _listed(document: dict, path: str, method: str, response) -> None:
    body = response.get_json()
    reasons = document["paths"][path][method].get("x-error-reasons", {})
    assert body["reason"] in reasons.get(str(response.status_code), []), (path, method, body, reasons)


def test_error_answers_carry_reasons_their_operation_lists(client):
    document = client.get("/api/openapi.json").get_json()
    world = service_world()
    judge = make_user()
    grant(judge, role="judge", court=world.court)  # type: ignore[arg-type]  # service_world types it loosely
    missing = "/api/court/v1/webhooks/00000000-0000-0000-0000-000000000000"
    _listed(
        document,
        "/api/court/v1/webhooks/{webhook_id}",
        "patch",
        client.patch(missing, json={}, headers=world.machine_headers),
    )
    refused = push(client, world, headers=login(judge))
    assert refused.status_code == 403
    _listed(document, "/api/court/v1/documents", "post", refused)
    _listed(document, "/api/court/v1/documents", "post", push(client, world, key=False))  # type: ignore[arg-type]  # no key at all
    spent = client.post("/api/mp/v1/auth/refresh", json={"refresh_token": "rt_not-a-real-token-at-all"})
    _listed(document, "/api/mp/v1/auth/refresh", "post", spent)
    anonymous = client.get("/api/court/v1/webhooks")
    _listed(document, "/api/court/v1/webhooks", "get", anonymous)


def test_reasons_named_through_constants_locals_and_tables_are_listed(client):
    """reason_scan reads `reason=CONSTANT`, a local assigned literals, and a lookup in a table of reasons."""
    document = client.get("/api/openapi.json").get_json()
    operations = _operations(document)
    notify = operations["public_payments.wechatpay_notify"]["x-error-reasons"]["401"]
    assert {"payments.notification_forged", "payments.notification_late", "payments.notification_replayed"} <= set(
        notify
    )  # REFUSALS.get(...) in app/payments/notify.py
    assert "case.not_found" in operations["mp_cases.detail"]["x-error-reasons"]["404"]  # reason=CASE_NOT_FOUND
    assert "identity.phone_invalid" in operations["mp_auth.sms_send"]["x-error-reasons"]["422"]  # via a factory
    for operation in operations.values():
        if "requestBody" in operation:
            assert "request.bad_json" in operation["x-error-reasons"]["400"]


def test_every_operation_has_a_hand_written_description_and_its_examples(client):
    """A new route comes with its entry in miniprogram_api/operation_docs/*.json: a description for the person
    calling it, a request example when it takes a JSON body, and a success example when it answers JSON."""
    operations = _operations(client.get("/api/openapi.json").get_json())
    entries = operation_docs.entries()
    missing = sorted(set(operations) - set(entries))
    assert not missing, f"operations without a hand-written entry in operation_docs/*.json: {missing}"
    for operation_id, operation in operations.items():
        entry = entries[operation_id]
        assert len(entry.get("description", "")) >= 40, operation_id
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            assert "request" in entry, f"{operation_id}: no request example"
        answers_json = [
            status
            for status, response in operation["responses"].items()
            if status.startswith("2") and "application/json" in response.get("content", {})
        ]
        if answers_json:
            documented = set(entry.get("responses", {}))
            assert documented & set(answers_json), f"{operation_id}: no success example for {answers_json}"
