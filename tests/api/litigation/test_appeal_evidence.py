"""Evidence with an appeal: once the judgment is served, evidence is closed, except new evidence a party brings for
their appeal (`stage: "appeal"`) while their own appeal period runs; it goes through the presigned upload, is offered
with the appeal by id, which shares it with the court and the other side; it is never submitted on its own."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import urllib.parse
import uuid

from sqlalchemy import select

from app.evidence.models import EvidenceCustodyEvent
from app.extensions import db
from app.litigation import court_actions
from app.utils.clock import SHANGHAI
from tests.api.litigation.support import MP, World, accepted_case
from tests.api.litigation.test_transitions import serve
from tests.api.service.support import pdf_bytes


def _ask(client, world: World, who: str, title: str, **extra):
    content = pdf_bytes(title)
    body = {
        "filename": f"{title}.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": title,
        "category": "书证",
        "purpose": f"证明{title}",
        **extra,
    }
    return client.post(f"{MP}/cases/{world.case.id}/evidence/uploads", json=body, headers=world.headers(who)), content


def _upload(client, world: World, who: str, title: str) -> str:
    ticket, content = _ask(client, world, who, title, stage="appeal")
    assert ticket.status_code == 201, ticket.get_json()
    form = ticket.get_json()["upload"]
    target = urllib.parse.urlsplit(form["url"]).path
    sent = client.post(target, data={**form["fields"], form["file_field"]: (io.BytesIO(content), "x.pdf")})
    assert sent.status_code in (200, 201, 204)
    evidence_id = ticket.get_json()["evidence_id"]
    first = client.post(f"{MP}/evidence/{evidence_id}/complete", headers=world.headers(who))
    assert first.status_code == 202, first.get_json()  # verifying: the job runs after the request
    done = client.post(f"{MP}/evidence/{evidence_id}/complete", headers=world.headers(who))  # decided
    assert done.status_code == 200 and done.get_json()["status"] == "stored", done.get_json()
    return evidence_id


def _judged(clock) -> World:
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))  # served Monday 2 November: appeal to 17 November
    world = accepted_case()
    court_actions.record_decision(case_id=world.case.id, actor=world.principal("judge"), closing_method="judgment")
    for party in (world.plaintiff, world.defendant):
        serve(world, party)
    return world


def test_only_appeal_evidence_comes_in_after_the_judgment_and_only_inside_the_period(client, clock):
    world = _judged(clock)
    closed, _ = _ask(client, world, "defendant", "新证据")
    assert closed.status_code == 409 and closed.get_json()["reason"] == "evidence.case_closed"
    evidence_id = _upload(client, world, "defendant", "还款凭证")
    requested = db.session.scalars(
        select(EvidenceCustodyEvent.data).where(
            EvidenceCustodyEvent.evidence_id == uuid.UUID(evidence_id), EvidenceCustodyEvent.action == "requested"
        )
    ).one()
    assert requested == {"stage": "appeal"}
    # not into the first-instance catalogue: submitting stays closed
    submit = client.post(f"{MP}/evidence/{evidence_id}/submit", headers=world.headers("defendant"))
    assert submit.status_code == 409 and submit.get_json()["reason"] == "evidence.case_closed"
    # the last day's evening still counts; after 24:00 the window is shut
    clock.set(dt.datetime(2026, 11, 17, 23, 0, tzinfo=SHANGHAI))
    assert _ask(client, world, "plaintiff", "补充证据", stage="appeal")[0].status_code == 201
    clock.set(dt.datetime(2026, 11, 18, 0, 1, tzinfo=SHANGHAI))
    late, _ = _ask(client, world, "plaintiff", "再补充", stage="appeal")
    assert late.status_code == 409 and late.get_json()["reason"] == "evidence.appeal_closed"


def test_appeal_evidence_needs_a_served_decision(client, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    early, _ = _ask(client, world, "plaintiff", "上诉证据", stage="appeal")
    assert early.status_code == 409 and early.get_json()["reason"] == "evidence.appeal_closed"
    bad, _ = _ask(client, world, "plaintiff", "上诉证据", stage="second")
    assert bad.status_code == 422


def test_the_appeal_offers_its_new_evidence(client, clock):
    world = _judged(clock)
    evidence_id = _upload(client, world, "defendant", "还款凭证")
    body = {"statement": "撤销原判", "grounds": "新证据证明已还款", "evidence_ids": [evidence_id]}
    headers = {**world.headers("defendant"), "Idempotency-Key": "appeal-1"}
    appeal = client.post(f"{MP}/cases/{world.case.id}/appeals", json=body, headers=headers)
    assert appeal.status_code == 201, appeal.get_json()
    assert appeal.get_json()["evidence_ids"] == [evidence_id]
    # offered with the appeal, it is shared with the other side and the court (CPL Art. 174), on the timeline
    for who in ("plaintiff", "clerk"):
        seen = client.get(f"{MP}/evidence/{evidence_id}", headers=world.headers(who))
        assert seen.status_code == 200, (who, seen.get_json())
    timeline = client.get(f"{MP}/cases/{world.case.id}/timeline", headers=world.headers("plaintiff")).get_json()
    shared = [e for e in timeline if e["type"] == "evidence.submitted"]
    assert len(shared) == 1 and "随上诉提交" in shared[0]["summary"]  # Chinese by default


def test_an_item_still_being_verified_cannot_be_offered_with_the_appeal(client, clock):
    """Only stored (verified) evidence goes with an appeal: a `verifying` item is not yet known to be the file."""
    from app.evidence.models import EvidenceItem

    world = _judged(clock)
    evidence_id = _upload(client, world, "defendant", "还款凭证")
    item = db.session.get(EvidenceItem, uuid.UUID(evidence_id))
    item.status = "verifying"
    db.session.commit()
    body = {"statement": "撤销原判", "grounds": "新证据证明已还款", "evidence_ids": [evidence_id]}
    headers = {**world.headers("defendant"), "Idempotency-Key": "appeal-verifying"}
    refused = client.post(f"{MP}/cases/{world.case.id}/appeals", json=body, headers=headers)
    assert refused.status_code == 422 and "evidence_ids" in refused.get_json()["errors"], refused.get_json()
