"""Authentication, the evidence upload's completion and its verification job build no statement per call (issue 18).

Each call of `select`/`update` builds a statement and, on execution, its cache key: on these paths they are built
once per process with bound parameters. The tests count the builds in these modules during warmed calls: none.
"""

from __future__ import annotations

import hashlib
import uuid

import pytest

from app.evidence import EvidenceItem
from app.evidence import access as evidence_access
from app.evidence import complete as evidence_complete
from app.evidence import uploads as evidence_uploads
from app.extensions import db, storage
from app.identity import login_sessions, machine_clients
from app.jobs import AppContextTask
from tests.api.service.support import pdf_bytes, push, service_world
from tests.support.cases import file_case
from tests.support.factories import login, make_org, make_user

MP = "/api/mp/v1"
MODULES = (evidence_access, evidence_complete, evidence_uploads, login_sessions, machine_clients)


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    built: list[str] = []
    for module in MODULES:
        for name in ("select", "update", "insert", "delete"):
            original = getattr(module, name, None)
            if original is None:
                continue

            def counted(*args, _original=original, _name=f"{module.__name__}.{name}", **kwargs):
                built.append(_name)
                return _original(*args, **kwargs)

            monkeypatch.setattr(module, name, counted)
    return built


def test_a_court_systems_push_authenticates_without_building(client, monkeypatch, builds):
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: None)
    world = service_world()
    assert push(client, world).status_code == 201  # warm
    builds.clear()
    assert push(client, world).status_code == 201
    assert builds == []


def test_completing_an_upload_and_verifying_it_build_no_statement(client, builds):
    user = make_user(real_name="张三")
    case_id = file_case(user, org=make_org()).id
    headers = login(user)

    def uploaded_and_completed(title: str) -> dict:
        content = pdf_bytes(title)
        body = {
            "filename": f"{title}.pdf",
            "content_type": "application/pdf",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "title": title,
            "category": "书证",
            "purpose": "证明借款",
        }
        ticket = client.post(f"{MP}/cases/{case_id}/evidence/uploads", json=body, headers=headers).get_json()
        item = db.session.get(EvidenceItem, uuid.UUID(ticket["evidence_id"]))
        storage.put(item.upload_key, content, content_type="application/pdf")
        db.session.remove()
        key = {"Idempotency-Key": uuid.uuid4().hex}
        answer = client.post(f"{MP}/evidence/{ticket['evidence_id']}/complete", headers={**headers, **key})
        assert answer.status_code in (200, 202), answer.get_json()
        # the job ran in-process (JOBS_EAGER) after the request's commit
        item = db.session.get(EvidenceItem, uuid.UUID(ticket["evidence_id"]), populate_existing=True)
        assert item.status == "stored", item.status
        detail = client.get(f"{MP}/evidence/{ticket['evidence_id']}", headers=headers)
        assert detail.status_code == 200, detail.get_json()
        db.session.remove()
        return detail.get_json()

    uploaded_and_completed("warm")
    builds.clear()
    detail = uploaded_and_completed("借条")
    assert detail["custody_events"], detail
    assert builds == []  # upload request, complete, the job's locks and limit check, the item's custody events


def test_logout_revokes_with_a_statement_built_once(client, builds):
    user = make_user()
    headers, again = login(user), login(user)
    assert client.post(f"{MP}/auth/logout", headers=again).status_code == 204
    builds.clear()
    assert client.post(f"{MP}/auth/logout", headers=headers).status_code == 204
    assert builds == []
    assert client.get(f"{MP}/me", headers=headers).status_code == 401  # revoked at once
    assert client.get(f"{MP}/me", headers=again).status_code == 401
