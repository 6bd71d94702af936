"""Who may push documents for service, principal by principal, with real multipart bodies (the table's rows for
the two push routes can only send JSON; see tests/security/table_service.py)."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseParty
from app.documents.models import ServedDocument
from app.extensions import db
from tests.api.service.support import BATCH, PUSH, pdf_bytes
from tests.security.world import PRINCIPALS, build_world

EXPECTED = {
    "anonymous": 401,
    "machine": 201,
    "clerk": 201,
    "other_machine": 404,  # they serve documents, but the case is not theirs to see
    "other_clerk": 404,
}  # everyone else, the judge too, serves no documents: 403 before the body is read


def _meta(world) -> dict:
    party = db.session.scalar(
        select(CaseParty).where(CaseParty.case_id == world.case.id, CaseParty.user_id.is_not(None))
    )
    return {"case_id": str(world.case.id), "recipient_party_id": str(party.id), "doc_type": "notice", "title": "通知书"}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ServedDocument))


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_single_push(client, principal):
    world = build_world()
    before = _count()
    headers = {**world.headers[principal], "Idempotency-Key": f"auth-{uuid.uuid4()}"}
    data = {"meta": json.dumps(_meta(world), ensure_ascii=False), "file": (io.BytesIO(pdf_bytes()), "a.pdf")}
    response = client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == EXPECTED.get(principal, 403), response.get_json()
    assert _count() == before + (1 if response.status_code == 201 else 0)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_batch_push(client, principal):
    world = build_world()
    before = _count()
    items = [{"idempotency_key": "one", "file": "f", "meta": _meta(world)}]
    data = {"items": json.dumps(items, ensure_ascii=False), "f": (io.BytesIO(pdf_bytes()), "f.pdf")}
    response = client.post(BATCH, data=data, headers=world.headers[principal], content_type="multipart/form-data")
    expected = EXPECTED.get(principal, 403)
    if expected in (401, 403):  # refused before the items are read
        assert response.status_code == expected
        return
    assert response.status_code == 200
    assert response.get_json()["items"][0]["status"] == expected
    assert _count() == before + (1 if expected == 201 else 0)
