"""An Idempotency-Key's answer is stored as the JSON text that was sent, and a retry answers the same."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.platform import idempotency
from app.platform.models import IdempotencyRecord


def _stored(key: str) -> IdempotencyRecord:
    return db.session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.key == key)).one()


def test_the_answer_is_stored_as_sent_and_replayed_alike(probe_client):
    headers = {"Idempotency-Key": "stored-as-sent"}
    first = probe_client.post("/api/probe/echo", json={"title": '借款纠纷 \u00e9"q"\\'}, headers=headers)
    assert first.status_code == 201
    record = _stored("stored-as-sent")
    assert record.state == idempotency.DONE and record.response_status == 201
    assert record.response_body == first.get_data(as_text=True)
    again = probe_client.post("/api/probe/echo", json={"title": '借款纠纷 \u00e9"q"\\'}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert again.get_json() == first.get_json() == {"title": '借款纠纷 \u00e9"q"\\', "execution": 1}


def test_an_answer_stored_from_its_value_still_replays(app):
    # Records written before the text was kept hold the body serialised by json.dumps (not ASCII-escaped).
    assert idempotency.begin(scope="u1", key="k", fingerprint="f") is None
    assert idempotency.finish(scope="u1", key="k", status=201, body={"title": "调解", "n": [1, 2.5, None]})
    assert _stored("k").response_body == json.dumps({"title": "调解", "n": [1, 2.5, None]}, ensure_ascii=False)
    stored = idempotency.begin(scope="u1", key="k", fingerprint="f")
    assert isinstance(stored, idempotency.StoredResponse)
    assert stored.status == 201 and stored.body == {"title": "调解", "n": [1, 2.5, None]}


def test_finish_and_answer_keep_a_given_text(app):
    assert idempotency.begin(scope="u1", key="t", fingerprint="f") is None
    assert idempotency.finish(scope="u1", key="t", status=200, text='{"a":"\\u8c03"}')
    assert _stored("t").response_body == '{"a":"\\u8c03"}'
    stored = idempotency.begin(scope="u1", key="t", fingerprint="f")
    assert isinstance(stored, idempotency.StoredResponse) and stored.body == {"a": "调"}
    held = idempotency.claim(scope="u1", key="a", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held, single_commit=True):
        assert idempotency.answer(held, status=201, text='{"b":[1,2]}')
    assert _stored("a").response_body == '{"b":[1,2]}' and _stored("a").state == idempotency.DONE
