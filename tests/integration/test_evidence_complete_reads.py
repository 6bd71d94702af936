"""`complete` answers with the row in hand, with or without an Idempotency-Key: no read of the item after its
COMMIT (the keyless call used to re-read it, one statement more), and a call that lost the race still answers with
the state committed by then."""

from __future__ import annotations

import hashlib
import uuid

from app.evidence import EvidenceItem
from app.extensions import db, storage
from app.jobs import AppContextTask
from tests.api.service.support import pdf_bytes
from tests.integration.test_statement_budgets import EVIDENCE_COMPLETE_STATEMENTS, counting
from tests.support.cases import file_case
from tests.support.factories import login, make_org, make_user

MP = "/api/mp/v1"


def _uploaded(client, case, headers) -> str:
    content = pdf_bytes("keyless")
    body = {
        "filename": "借条.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": "借条",
        "category": "书证",
        "purpose": "证明借款",
    }
    ticket = client.post(f"{MP}/cases/{case.id}/evidence/uploads", json=body, headers=headers).get_json()
    item = db.session.get(EvidenceItem, uuid.UUID(ticket["evidence_id"]))
    storage.put(item.upload_key, content, content_type="application/pdf")
    return ticket["evidence_id"]


def test_a_keyless_complete_costs_what_a_keyed_one_does(client, monkeypatch):
    queued: list[str] = []
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, *args, **kwargs: queued.append(task.name))
    user = make_user(real_name="张三")
    case = file_case(user, org=make_org())
    headers = login(user)
    evidence_id = _uploaded(client, case, headers)
    with counting() as count:
        answer = client.post(f"{MP}/evidence/{evidence_id}/complete", headers=headers)
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "verifying" and body["id"] == evidence_id
    # without a key: no idempotency claim and answer (2), and no read of the item after its UPDATE
    assert len(count.statements) <= EVIDENCE_COMPLETE_STATEMENTS - 2, count
    moved = next(n for n, s in enumerate(count.statements) if s.startswith("UPDATE evidence_items"))
    assert not [s for s in count.statements[moved + 1 :] if "FROM evidence_items" in s], count
    assert queued == ["microcourt.evidence.verify"]
    db.session.expire_all()
    stored = db.session.get(EvidenceItem, uuid.UUID(evidence_id))
    assert stored.status == "verifying"

    again = client.post(f"{MP}/evidence/{evidence_id}/complete", headers=headers)  # already moved: the current state
    assert again.status_code == 202 and again.get_json()["status"] == "verifying"
    assert queued == ["microcourt.evidence.verify"]
