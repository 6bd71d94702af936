"""The hot paths' statements are built once per process, not per call (issue 18, session 6).

Building a SELECT of several ORM entities with correlated subqueries cost more CPU than running it (about 2.7 ms
of an 18 ms court push in an in-process profile on PostgreSQL): the court push's recipient facts, the evidence
request's lock and usage reads and a case's permission facts are built once with bound parameters. These tests
count the statements built (calls of `select` in those modules) during a warmed request: none.
"""

from __future__ import annotations

import hashlib

import pytest

from app.cases import access as case_access
from app.documents import recipient_facts
from app.evidence import uploads
from app.jobs import AppContextTask
from tests.api.service.support import pdf_bytes, push, service_world
from tests.support.cases import file_case
from tests.support.factories import login, make_org, make_user


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    built: list[str] = []
    for module in (case_access, recipient_facts, uploads):
        original = module.select

        def counted(*args, _original=original, _name=module.__name__, **kwargs):
            built.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, "select", counted)
    return built


def test_a_court_push_builds_no_statement(client, monkeypatch, builds):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    assert push(client, world).status_code == 201  # warm
    builds.clear()
    assert push(client, world).status_code == 201
    assert builds == []


def test_an_evidence_upload_request_builds_no_statement(client, builds):
    user = make_user(real_name="张三")
    case = file_case(user, org=make_org())
    headers = login(user)
    content = pdf_bytes("built once")

    def request(title: str):
        body = {
            "filename": f"{title}.pdf",
            "content_type": "application/pdf",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "title": title,
            "category": "书证",
            "purpose": "证明借款",
        }
        return client.post(f"/api/mp/v1/cases/{case.id}/evidence/uploads", json=body, headers=headers)

    assert request("warm").status_code == 201
    case_access.facts_for(case)  # what every endpoint that loads a case reads
    builds.clear()
    assert request("借条").status_code == 201
    case_access.facts_for(case)
    assert builds == []


def test_a_document_open_and_acknowledge_build_no_statement(client, monkeypatch):
    """The document's lock, its case, court and recipient account, and its events for the answer (session 6,
    round 2: open plus acknowledge 9.0 -> 7.5 ms CPU in-process on PostgreSQL, with the audit heads' UPDATEs)."""
    from app.audit import log as audit_log
    from app.documents import chain, recipient

    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    built: list[str] = []
    for module, name in ((recipient, "select"), (chain, "select"), (audit_log, "update")):
        original = getattr(module, name)

        def counted(*args, _original=original, _name=module.__name__, **kwargs):
            built.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    world = service_world()
    first, second = (push(client, world).get_json()["document_id"] for _ in range(2))
    headers = world.respondent_headers

    def both(document_id: str) -> None:
        assert client.get(f"/api/mp/v1/documents/{document_id}", headers=headers).status_code == 200
        assert client.post(f"/api/mp/v1/documents/{document_id}/acknowledge", headers=headers).status_code == 200

    both(first)  # warm
    built.clear()
    both(second)
    assert built == []
