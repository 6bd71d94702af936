"""Concurrent acts on one served document (opens, downloads, acknowledgements at once) over real HTTP.

Each act appends one event to the document's hash chain under the document's lock (SELECT ... FOR UPDATE
on PostgreSQL, BEGIN IMMEDIATE on SQLite): no 500, no lost or doubled event, one acknowledgement, and the
chain still verifies. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests

from app.documents import chain as delivery_chain
from app.extensions import db
from tests.api.service.support import add_lawyer, document, events, push, service_world
from tests.support.live_server import live_server

pytestmark = pytest.mark.timeout(180)
THREADS = 8
ROUNDS = 3


def race(url: str, calls: list[tuple[str, str, dict]]) -> list[tuple[str, int, dict]]:
    """Send every call at once (one thread each, released together); (kind, status, body) per call."""
    barrier, results = threading.Barrier(len(calls)), []

    def run(kind: str, path: str, headers: dict) -> None:
        method = "POST" if kind == "acknowledge" else "GET"
        barrier.wait()
        with requests.request(method, url + path, headers=headers, timeout=60) as response:
            results.append((kind, response.status_code, response.json()))

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == len(calls)
    return results


def calls_for(document_id: str, headers: list[dict], kinds: list[str]) -> list[tuple[str, str, dict]]:
    base = f"/api/mp/v1/documents/{document_id}"
    paths = {"open": base, "download": f"{base}/download", "acknowledge": f"{base}/acknowledge"}
    return [(kind, paths[kind], headers[number % len(headers)]) for number, kind in enumerate(kinds)]


def assert_chain_holds(document_id: str) -> list[str]:
    """The document's chain verifies, seq 1..n with no gap; returns the event types."""
    row = document(document_id)
    chain = events(document_id)
    assert delivery_chain.verify_document(row, chain) is None
    assert [event.seq for event in chain] == list(range(1, len(chain) + 1)) == list(range(1, row.event_count + 1))
    return [event.type for event in chain]


def assert_every_chain_verifies(app, documents: int) -> None:
    """`flask verify-service-chains` over every document and its stored file (last: it empties the session)."""
    result = app.test_cli_runner().invoke(args=["verify-service-chains"])
    assert result.exit_code == 0, result.output
    assert f"checked {documents} documents" in result.output


def test_concurrent_opens_of_one_document_each_write_one_event(app, clock):
    world = service_world()
    client = app.test_client()
    with live_server(app=app) as server:
        for _ in range(ROUNDS):
            document_id = push(client, world).get_json()["document_id"]
            before = len(events(document_id))
            results = race(server.url, calls_for(document_id, [world.respondent_headers], ["open"] * THREADS))

            assert sorted(status for _kind, status, _body in results) == [200] * THREADS, results
            types = assert_chain_holds(document_id)
            assert Counter(types[before:]) == {"opened": THREADS}
            assert document(document_id).status == "opened"
            db.session.rollback()
    assert_every_chain_verifies(app, ROUNDS)


def test_opens_downloads_and_acknowledgements_at_once_leave_exactly_one_acknowledgement(app, clock):
    world = service_world()
    _lawyer, lawyer_headers = add_lawyer(world)
    client = app.test_client()
    kinds = ["acknowledge", "open", "acknowledge", "download", "acknowledge", "open", "acknowledge", "open"]
    with live_server(app=app) as server:
        for _ in range(ROUNDS):
            document_id = push(client, world).get_json()["document_id"]
            before = len(events(document_id))
            headers = [world.respondent_headers, lawyer_headers]
            results = race(server.url, calls_for(document_id, headers, kinds[:THREADS]))

            assert all(status < 500 for _kind, status, _body in results), results
            for kind, status, body in results:
                if kind == "acknowledge" and status != 200:
                    assert (status, body["reason"]) == (409, "document.already_acknowledged"), body
                else:
                    assert status == 200, (kind, body)
            acknowledged = [status for kind, status, _body in results if kind == "acknowledge" and status == 200]
            assert acknowledged == [200]
            types = assert_chain_holds(document_id)
            written = Counter(types[before:])
            assert written["acknowledged"] == 1
            assert written["opened"] == kinds.count("open") and written["downloaded"] == kinds.count("download")
            row = document(document_id)
            assert row.status == "acknowledged" and row.acknowledged_at is not None and row.served_at is not None
            db.session.rollback()
    assert_every_chain_verifies(app, ROUNDS)
