"""The webhooks the OpenAPI document publishes are what the sender posts (miniprogram_api/webhook_docs.py).

Every event type in the registry (app/webhooks/events.py, filled by the domains in app/wiring.py) must have a
payload schema; each is sent through the real sender (record, the job, a signed POST) to a receiver on
127.0.0.1, which checks the documented signature and headers and validates the body against the published
schema of that type. A real served document's events (built by app/documents, not by this test) are validated
the same way, so a domain that changes its payload breaks this test, not the integrators.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4
from werkzeug.wrappers import Request, Response

from app.extensions import db
from app.integrations import webhooks as http
from app.utils import clock as clock_module
from app.webhooks import deliveries
from app.webhooks import events as webhook_events
from miniprogram_api import webhook_docs
from tests.api.service.support import push, service_world
from tests.support import hearings
from tests.support.factories import login
from tests.support.live_server import live_server
from tests.support.scheduling import local


class Capture:
    """A court system's endpoint that keeps every request (raw body and headers)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, dict[str, str]]] = []

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            self.received.append((request.get_data(as_text=True), dict(request.headers)))
        return Response("ok")(environ, start_response)


@pytest.fixture
def receiver(app):
    capture = Capture()
    with live_server(capture) as server:
        capture.url = f"{server.url}/hooks/microcourt"  # type: ignore[attr-defined]
        yield capture


def _document(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _validator(document: dict, event_type: str) -> OAS30Validator:
    registry: Registry = Registry().with_resource("urn:openapi", DRAFT4.create_resource(document))
    return OAS30Validator(
        {"$ref": f"urn:openapi#/components/schemas/{webhook_docs.component_name(event_type)}"},
        registry=registry,
    )


def _sample(schema: dict) -> Any:
    """A value of the schema's shape (required and optional fields), to send through the real sender."""
    if schema.get("type") == "object":
        return {name: _sample(sub) for name, sub in schema.get("properties", {}).items()}
    if schema.get("type") == "array":
        return [_sample(schema.get("items", {"type": "string"}))]
    kind, form = schema.get("type"), schema.get("format")
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if form == "uuid":
        return str(uuid.uuid4())
    if form == "date-time":
        return clock_module.now().isoformat()
    if form == "date":
        return dt.date(2026, 12, 7).isoformat()
    return "0" * 64 if schema.get("pattern") else "x"


def _subscribe(client, world, receiver) -> str:
    response = client.post(
        "/api/court/v1/webhooks", json={"url": receiver.url, "events": ["*"]}, headers=world.machine_headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["secret"]


def _check(document: dict, secret: str, body: str, headers: dict[str, str]) -> str:
    """The documented signature and headers hold and the body validates against its type's schema."""
    headers = {name.lower(): value for name, value in headers.items()}
    assert http.verify(secret, headers[http.SIGNATURE_HEADER.lower()], body, now=clock_module.now().timestamp())
    for name, _text, pattern in webhook_docs.HEADERS:
        assert name.lower() in headers, name
        assert pattern is None or re.fullmatch(pattern, headers[name.lower()]), (name, headers[name.lower()])
    payload = json.loads(body)
    event_type = payload["type"]
    assert (
        headers[http.EVENT_TYPE_HEADER.lower()] == event_type and headers[http.EVENT_ID_HEADER.lower()] == payload["id"]
    )
    errors = sorted(str(e.message) for e in _validator(document, event_type).iter_errors(payload))
    assert not errors, (event_type, errors, payload)
    return event_type


def test_every_registered_event_type_has_a_published_payload_schema(client):
    assert webhook_docs.undocumented() == [], "add a data schema in miniprogram_api/webhook_docs.py DATA"
    document = _document(client)
    types = sorted(webhook_events.known())
    assert types, "no event types registered"
    schemas = document["components"]["schemas"]
    callbacks = document["paths"][webhook_docs.SUBSCRIBE_PATH]["post"]["callbacks"]
    for event_type in types:
        assert webhook_docs.component_name(event_type) in schemas, event_type
        assert event_type in callbacks and event_type in document["x-webhooks"], event_type
        body = callbacks[event_type]["{$request.body#/url}"]["post"]["requestBody"]
        assert body["content"]["application/json"]["schema"]["$ref"].endswith(webhook_docs.component_name(event_type))
    assert http.SIGNATURE_HEADER in document["x-webhook-signature"]


def test_the_documented_headers_are_the_senders():
    assert webhook_docs.SIGNATURE_HEADER == http.SIGNATURE_HEADER
    assert webhook_docs.EVENT_ID_HEADER == http.EVENT_ID_HEADER
    assert webhook_docs.EVENT_TYPE_HEADER == http.EVENT_TYPE_HEADER
    assert webhook_docs.ATTEMPT_HEADER == http.ATTEMPT_HEADER
    assert webhook_docs.TOLERANCE_SECONDS == http.TOLERANCE_SECONDS


def test_a_type_without_a_schema_is_reported(monkeypatch):
    monkeypatch.setattr(webhook_events, "_TYPES", {*webhook_events.known(), "nothing.documented"})
    assert "nothing.documented" in webhook_docs.undocumented()


def test_each_event_type_sent_by_the_real_sender_matches_its_published_schema(app, client, clock, receiver):
    document = _document(client)
    world = service_world()
    secret = _subscribe(client, world, receiver)
    types = sorted(webhook_events.known())
    for event_type in types:
        schema = webhook_docs.data_schema(event_type)
        data: dict[str, Any] = _sample(schema) if schema else {}
        court_id: uuid.UUID = world.court.id  # type: ignore[attr-defined]  # service_world types its court loosely
        event = deliveries.Event(
            id=uuid.uuid4(),
            type=event_type,
            court_id=court_id,
            at=clock_module.now(),
            data=functools.partial(dict, data),
        )
        ids = deliveries.record([event])
        db.session.commit()
        deliveries.dispatch(ids)
    seen = [_check(document, secret, body, headers) for body, headers in receiver.received]
    assert sorted(seen) == types


def test_a_served_documents_real_events_match_their_published_schemas(app, client, clock, receiver):
    document = _document(client)
    world = service_world()
    secret = _subscribe(client, world, receiver)
    document_id = push(client, world).get_json()["document_id"]
    client.get(f"/api/mp/v1/documents/{document_id}", headers=world.respondent_headers)
    seen = {_check(document, secret, body, headers) for body, headers in receiver.received}
    assert {"document.submitted", "document.delivered", "document.opened"} <= seen


def test_a_booked_hearings_real_event_matches_its_published_schema(app, client, clock, receiver):
    document = _document(client)
    t = hearings.trial()
    clerk = login(t.clerk)
    response = client.post(
        "/api/court/v1/webhooks", json={"url": receiver.url, "events": ["hearing.scheduled"]}, headers=clerk
    )
    assert response.status_code == 201, response.get_json()
    booked = hearings.book(client, t, local("2026-11-10", "09:00"), local("2026-11-10", "11:00"))
    assert booked.status_code == 201, booked.get_json()
    seen = [_check(document, response.get_json()["secret"], body, headers) for body, headers in receiver.received]
    assert seen == ["hearing.scheduled"]


def _example(language: str) -> str:
    """The verification example of that language in docs/webhooks.md, as an integrator would copy it."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    found = re.search(rf"```{language}\n(.*?)```", page, re.S)
    assert found, f"docs/webhooks.md has no {language} example"
    return found.group(1)


def _deliveries(secret: str) -> list[tuple[str, str, bool]]:
    """(header, raw body, whether it must verify): a real signature, a changed body, a replay, nonsense."""
    body = json.dumps({"id": "e1", "type": "hearing.scheduled", "data": {"case_number": "(2026)京0105民初123号"}})
    now = int(time.time())
    return [
        (http.signature_header(secret, now, body), body, True),
        (http.signature_header(secret, now, body), body + " ", False),
        (http.signature_header(secret, now - 400, body), body, False),
        (http.signature_header("whsec_other", now, body), body, False),
        ("t=abc,v1=00", body, False),
        (f"t={now},v1=é", body, False),
        ("garbage", body, False),
    ]


def test_the_python_verification_example_accepts_the_senders_signature():
    namespace: dict[str, Any] = {}
    exec(compile(_example("python"), "docs/webhooks.md", "exec"), namespace)
    for header, body, valid in _deliveries("whsec_example"):
        assert namespace["verify"]("whsec_example", header, body.encode()) is valid, (header, body)


@pytest.mark.skipif(shutil.which("javac") is None or shutil.which("java") is None, reason="no JDK installed")
def test_the_java_verification_example_compiles_and_accepts_the_senders_signature(tmp_path):
    (tmp_path / "MicroCourtSignature.java").write_text(_example("java"), encoding="utf-8")
    (tmp_path / "Check.java").write_text(
        "public final class Check { public static void main(String[] a) throws Exception {\n"
        "  byte[] body = java.util.Base64.getDecoder().decode(a[2]);\n"
        "  System.out.print(MicroCourtSignature.verify(a[0], a[1], body, 300)); } }\n",
        encoding="utf-8",
    )
    subprocess.run(["javac", "MicroCourtSignature.java", "Check.java"], cwd=tmp_path, check=True, timeout=120)
    for header, body, valid in _deliveries("whsec_example"):
        raw = base64.b64encode(body.encode()).decode()
        ran = subprocess.run(
            ["java", "-cp", str(tmp_path), "Check", "whsec_example", header, raw],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert ran.stdout.strip() == str(valid).lower(), (header, body, ran.stdout, ran.stderr)
