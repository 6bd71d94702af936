"""An evidence upload request writes its pending item and the item's `requested` custody event in one statement on
PostgreSQL (WITH new_item AS (INSERT ...) INSERT ... SELECT: issue 18), two on SQLite, with the same rows, the same
audit mirror and the same answer; a late upload's event and columns are those of the two INSERTs. On PostgreSQL the
audit mirror rides in that statement too (app/audit/log.py `carrying`)."""

import hashlib
import uuid

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.evidence.models import EvidenceCustodyEvent, EvidenceItem
from app.extensions import db
from tests.integration.test_statement_budgets import EVIDENCE_UPLOAD_STATEMENTS, counting
from tests.support.cases import file_case
from tests.support.factories import login, make_org, make_user

MP = "/api/mp/v1"
# test_statement_budgets.py's budget less the custody event's own INSERT, the audit append's second statement (its
# event and the head's hash ride in the head's UPDATE when the guess holds) and, session 13, its first: the head's
# UPDATE and the event are CTEs of the item's INSERT (app/audit/log.py `carrying`); and the key's claim (a CTE of
# authentication's SELECT on PostgreSQL: app/platform/early_claim.py).
POSTGRESQL_UPLOAD_STATEMENTS = EVIDENCE_UPLOAD_STATEMENTS - 4


def test_the_item_and_its_custody_event_are_one_insert_on_postgresql(client, database_url):
    user = make_user(real_name="张三")
    case = file_case(user, org=make_org())
    headers = login(user)
    case_id, user_id = case.id, user.id  # the session is closed below
    content = b"%PDF-1.4\n" + b"x" * 100 + b"\n%%EOF\n"
    body = {
        "filename": "借条.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest().upper(),
        "title": "借条",
        "category": "书证",
        "purpose": "证明借款",
    }
    url = f"{MP}/cases/{case_id}/evidence/uploads"
    assert client.post(url, json=body, headers={**headers, "Idempotency-Key": "warm"}).status_code == 201
    db.session.close()
    with counting() as count:
        answer = client.post(url, json=body, headers={**headers, "Idempotency-Key": "one-insert"})
    assert answer.status_code == 201, answer.get_json()
    inserts = [s for s in count.statements if "INSERT INTO evidence_" in s]
    if database_url.startswith("postgresql"):
        assert len(count.statements) <= POSTGRESQL_UPLOAD_STATEMENTS, count
        assert len(inserts) == 1 and " ".join(inserts[0].split()).startswith(
            "WITH new_item AS (INSERT INTO evidence_items"
        ), inserts
        assert not [s for s in count.statements if "audit_" in s and s is not inserts[0]], count
    else:
        assert len(count.statements) <= EVIDENCE_UPLOAD_STATEMENTS, count
        assert len(inserts) == 2, inserts
    evidence_id = uuid.UUID(answer.get_json()["evidence_id"])
    item = db.session.get(EvidenceItem, evidence_id)
    assert item is not None
    assert (item.status, item.catalogue_order, item.declared_sha256, item.late) == (
        "pending",
        2,
        body["sha256"].lower(),
        False,
    )
    assert (item.late_reason, item.late_decision, item.object_key, item.stored_at) == (None, None, None, None)
    assert str(case_id) in item.upload_key
    event = db.session.scalars(
        select(EvidenceCustodyEvent).where(EvidenceCustodyEvent.evidence_id == evidence_id)
    ).one()
    assert (event.case_id, event.action, event.actor_user_id, event.actor_role) == (
        case_id,
        "requested",
        user_id,
        "party",
    )
    assert (event.sha256, event.data) == (None, {})
    audited = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "evidence.requested", AuditEvent.object_id == str(evidence_id))
    ).one()
    assert audited.details == {"case_id": str(case_id), "as": "party", "sha256": None}
