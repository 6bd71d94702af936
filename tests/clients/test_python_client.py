"""The Python client for court systems (clients/python) against the real app served on 127.0.0.1.

A thin WSGI layer in front of the app records every request and can answer 503/429 with Retry-After a given
number of times before letting a request through, so retries are exercised over real HTTP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator

import pytest
from werkzeug.wrappers import Request, Response

from app.extensions import db
from app.utils import clock as clock_module
from tests.api.service.support import meta, pdf_bytes, service_world
from tests.support.factories import make_client
from tests.support.live_server import live_server

from microcourt_client import ApiError, BatchItem, MicroCourtClient, verify_signature  # isort: skip
from microcourt_client.client import retry_after_seconds  # isort: skip


class Front:
    """In front of the app: records (method, path, Idempotency-Key) and refuses the next `refuse` requests."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.seen: list[tuple[str, str, str | None]] = []
        self.refuse: list[tuple[int, str]] = []  # (status, Retry-After) for the next requests, in order

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            self.seen.append((request.method, request.path, request.headers.get("Idempotency-Key")))
            refusal = self.refuse.pop(0) if self.refuse and request.path != "/api/court/v1/auth/token" else None
        if refusal is not None:
            status, after = refusal
            body = json.dumps({"code": status, "status": "busy", "reason": "test.busy", "message": "busy"})
            return Response(body, status=status, headers={"Retry-After": after}, mimetype="application/json")(
                environ, start_response
            )
        return self.app(environ, start_response)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def served(app) -> Iterator[tuple[Front, object, FakeTime, MicroCourtClient]]:
    world = service_world()
    issued = make_client(world.court)  # type: ignore[arg-type]  # service_world types its court loosely
    db.session.commit()
    front = Front(app)
    fake = FakeTime()
    with live_server(front) as server:
        court = MicroCourtClient(
            server.url,
            issued.client.client_id,
            issued.client_secret,
            sleep=fake.sleep,
            monotonic=fake.monotonic,
            timeout=20,
        )
        yield front, world, fake, court


def _tokens(front: Front) -> int:
    return sum(1 for _m, path, _k in front.seen if path.endswith("/auth/token"))


def test_push_replay_certificate_and_the_token_refreshed_before_it_expires(served):
    front, world, fake, court = served
    pushed = court.push_document(file=pdf_bytes("判决"), meta=meta(world), filename="文书.pdf")
    assert pushed["status"] == "delivered" and pushed["replayed"] is False
    key = pushed["idempotency_key"]
    again = court.push_document(file=pdf_bytes("判决"), meta=meta(world), filename="文书.pdf", idempotency_key=key)
    assert again["replayed"] is True and again["document_id"] == pushed["document_id"]
    assert court.document(pushed["document_id"])["status"] == "delivered"
    assert court.certificate(pushed["document_id"]).startswith(b"%PDF")
    assert _tokens(front) == 1  # one token for all of it
    fake.now += 900 - 59  # within a minute of its 900 s life: the next call fetches a new one first
    court.document(pushed["document_id"])
    assert _tokens(front) == 2


def test_retries_honour_retry_after_and_keep_the_idempotency_key(served):
    front, world, fake, court = served
    front.refuse = [(503, "2"), (429, "7")]
    pushed = court.push_document(file=pdf_bytes(), meta=meta(world))
    assert fake.slept == [2.0, 7.0]
    keys = [key for method, path, key in front.seen if path == "/api/court/v1/documents"]
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0] == pushed["idempotency_key"]
    assert pushed["replayed"] is False  # the refusals never reached the app: the third attempt created it


def test_gives_up_after_max_retries_with_the_error(served):
    front, _world, fake, court = served
    court.max_retries = 2
    front.refuse = [(503, "1")] * 3
    with pytest.raises(ApiError) as raised:
        court.document("00000000-0000-0000-0000-000000000000")
    assert raised.value.status == 503 and raised.value.reason == "test.busy" and fake.slept == [1.0, 1.0]


def test_errors_carry_the_reason(served):
    _front, _world, _fake, court = served
    with pytest.raises(ApiError) as raised:
        court.document("00000000-0000-0000-0000-000000000000")
    assert raised.value.status == 404 and raised.value.reason
    bad = MicroCourtClient(court.base_url, court.client_id, "wrong", sleep=lambda s: None)
    with pytest.raises(ApiError) as refused:
        bad.token()
    assert refused.value.status == 401


def test_batch_push_and_resend_replays_finished_items(served):
    _front, world, _fake, court = served
    items = [BatchItem(file=pdf_bytes(f"第{n}份"), meta=meta(world, title=f"通知{n}")) for n in range(3)]
    first = court.push_batch(items)
    assert [item["status"] for item in first["items"]] == [201, 201, 201]
    again = court.push_batch(items)  # a resend after a lost answer: same item keys
    assert [item["status"] for item in again["items"]] == [200, 200, 200]
    assert [i["document"]["document_id"] for i in again["items"]] == [
        i["document"]["document_id"] for i in first["items"]
    ]


class Hooks:
    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        self.received.append((request.get_data(), request.headers.get("X-MicroCourt-Signature", "")))
        return Response("ok")(environ, start_response)


def test_webhook_signatures_verify_with_the_helper(served):
    _front, world, _fake, court = served
    hooks = Hooks()
    with live_server(hooks) as receiver:
        subscription = court.subscribe(f"{receiver.url}/hooks", ["document.delivered"])
        court.push_document(file=pdf_bytes(), meta=meta(world))
    assert hooks.received, "no delivery arrived"
    now = clock_module.now().timestamp()
    for body, header in hooks.received:
        assert verify_signature(subscription["secret"], header, body, now=now)
        assert not verify_signature(subscription["secret"], header, body + b" ", now=now)
        assert not verify_signature("whsec_other", header, body, now=now)
        assert not verify_signature(subscription["secret"], header, body, now=now + 301)
        timestamp = header.split(",")[0]
        assert not verify_signature(subscription["secret"], f"{timestamp},v1=é", body, now=now)  # never a TypeError
        assert not verify_signature(subscription["secret"], "t=abc,v1=00", body, now=now)
    assert court.webhooks()[0]["events"] == ["document.delivered"]


def test_retry_after_accepts_seconds_and_http_dates():
    assert retry_after_seconds("3") == 3.0 and retry_after_seconds(None) == 1.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:10 GMT", now=4.0) == 6.0
    assert retry_after_seconds("soon") == 1.0


def test_a_deprecated_operation_is_remembered_and_logged_once(served, caplog):
    """docs/versioning.md: the server's Deprecation/Sunset headers reach the integrator's logs."""
    _front, _world, _fake, court = served
    with caplog.at_level("WARNING", logger="microcourt_client"):
        court.request("GET", "/api/probe/deprecated")
        court.request("GET", "/api/probe/deprecated")
    seen = court.deprecations["GET /api/probe/deprecated"]
    assert seen["deprecation"] == "@1796083200" and seen["sunset"] == "Tue, 01 Jun 2027 00:00:00 GMT"
    assert [r.getMessage() for r in caplog.records].count(
        "GET /api/probe/deprecated is deprecated (@1796083200); sunset Tue, 01 Jun 2027 00:00:00 GMT"
    ) == 1
