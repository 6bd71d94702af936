"""Appeals over HTTP: a party appeals from the phone with evidence from the evidence flow, the other party too,
the first-instance court sees them in its queue, acknowledges and forwards them, and records the appellate court's
conclusion; an appeal before the decision reached the party, with someone else's evidence, or twice is refused.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from app.extensions import db
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.litigation.support import (
    COURT,
    MP,
    World,
    accepted_case,
    push,
    status_of,
    timeline_types,
    upload_evidence,
)
from tests.support.factories import grant, login, make_court, make_user

BODY = {"statement": "撤销原判，改判驳回原告诉讼请求", "grounds": "一审认定借款事实错误"}


def _post(client, url: str, body: dict, headers: dict, key: str):
    return client.post(url, json=body, headers={**headers, "Idempotency-Key": key})


def _decided(client, world: World) -> None:
    body = {"closing_method": "judgment", "performance_days": 15}
    answer = _post(client, f"{COURT}/cases/{world.case.id}/decision", body, world.headers("judge"), "decide")
    assert answer.status_code == 200, answer.get_json()


def test_both_parties_appeal_and_the_court_forwards_and_concludes(client, clock):
    clock.set(dt.datetime(2026, 11, 9, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    # evidence comes through the evidence flow while the case is before the court (the evidence domain closes it
    # once the case is adjudicated); the appeal names it
    mine = upload_evidence(client, world, "defendant", "还款凭证")
    theirs = upload_evidence(client, world, "plaintiff", "借条")
    _decided(client, world)
    push(client, world, world.defendant)
    case_url = f"{MP}/cases/{world.case.id}"

    # the plaintiff has not been served yet: no period has started for them
    early = _post(client, f"{case_url}/appeals", BODY, world.headers("plaintiff"), "p-early")
    assert early.status_code == 409 and early.get_json()["reason"] == "litigation.decision_not_served"

    # the plaintiff's evidence cannot be offered by the defendant
    wrong = _post(client, f"{case_url}/appeals", {**BODY, "evidence_ids": [theirs]}, world.headers("defendant"), "d1")
    assert wrong.status_code == 422 and "evidence_ids" in wrong.get_json()["errors"]
    filed = _post(client, f"{case_url}/appeals", {**BODY, "evidence_ids": [mine]}, world.headers("defendant"), "d2")
    assert filed.status_code == 201, filed.get_json()
    appeal = filed.get_json()
    assert appeal["status"] == "filed" and appeal["evidence_ids"] == [mine] and appeal["filed_as"] == "party"
    assert appeal["deadline_ends_at"] == "2026-11-24T16:00:00+00:00"  # 24:00 on 24 November, Shanghai
    assert status_of(world.case.id) == "appealed"
    again = _post(client, f"{case_url}/appeals", BODY, world.headers("defendant"), "d3")
    assert again.status_code == 409 and again.get_json()["reason"] == "litigation.already_appealed"

    # the plaintiff, served later, appeals too, inside their own period
    clock.advance(days=3)
    push(client, world, world.plaintiff)
    second = _post(client, f"{case_url}/appeals", BODY, world.headers("plaintiff"), "p1")
    assert second.status_code == 201 and second.get_json()["deadline_ends_at"] == "2026-11-27T16:00:00+00:00"

    # the court's queue: both, oldest first; another court sees none
    clerk = world.headers("clerk")
    queue = client.get(f"{COURT}/appeals", headers=clerk).get_json()["items"]
    assert [item["id"] for item in queue] == [appeal["id"], second.get_json()["id"]]
    stranger = make_user()
    grant(stranger, role="clerk", court=make_court())
    assert client.get(f"{COURT}/appeals", headers=login(stranger)).get_json()["items"] == []
    foreign = _post(client, f"{COURT}/appeals/{appeal['id']}/acknowledge", {}, login(stranger), "x")
    assert foreign.status_code == 404

    base = f"{COURT}/appeals/{appeal['id']}"
    acknowledged = _post(client, f"{base}/acknowledge", {"note": "已收到上诉状"}, clerk, "a1").get_json()
    assert acknowledged["status"] == "acknowledged" and acknowledged["court_note"] == "已收到上诉状"
    forwarded = _post(client, f"{base}/forward", {}, clerk, "f1").get_json()
    assert forwarded["status"] == "forwarded" and forwarded["forwarded_at"] is not None
    late_ack = _post(client, f"{base}/acknowledge", {}, clerk, "a2")
    assert late_ack.status_code == 409 and late_ack.get_json()["reason"] == "litigation.appeal_illegal_transition"
    queue = client.get(f"{COURT}/appeals", query_string={"status": "forwarded"}, headers=clerk).get_json()["items"]
    assert [item["id"] for item in queue] == [appeal["id"]]

    # the parties see it all in the litigation view
    view = client.get(f"{case_url}/litigation", headers=world.headers("plaintiff")).get_json()
    assert [a["status"] for a in view["appeals"]] == ["forwarded", "filed"] and view["status"] == "appealed"

    # the appellate court's final judgment: the case is effective (and only then enforceable)
    concluded = _post(client, f"{COURT}/cases/{world.case.id}/appeal/concluded", {"note": "二审维持原判"}, clerk, "c1")
    assert concluded.status_code == 200 and concluded.get_json()["status"] == "effective"
    types = timeline_types(world.case.id)
    assert types.count("litigation.appealed") == 2 and types[-1] == "litigation.effective"


def test_a_closed_case_has_nothing_to_appeal_and_nothing_to_enforce(client, clock):
    world = accepted_case()
    hooks = {"url": "http://127.0.0.1:9/hooks", "events": ["litigation.closed"]}
    assert client.post(f"{COURT}/webhooks", json=hooks, headers=world.headers("machine")).status_code == 201
    body = {"closing_method": "withdrawal_permitted", "note": "原告申请撤诉，准许"}
    closed = _post(client, f"{COURT}/cases/{world.case.id}/decision", body, world.headers("judge"), "w")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    [sent] = db.session.scalars(select(WebhookDelivery.body).where(WebhookDelivery.event_type == "litigation.closed"))
    data = json.loads(sent)["data"]
    assert (data["case_id"], data["closing_method"], data["status"]) == (
        str(world.case.id),
        "withdrawal_permitted",
        "closed",
    )
    view = client.get(f"{MP}/cases/{world.case.id}/litigation", headers=world.headers("plaintiff")).get_json()
    assert view["decision"]["closing_method_label"] == "准予撤诉" and view["decision"]["closed_at"] is not None
    appeal = _post(client, f"{MP}/cases/{world.case.id}/appeals", BODY, world.headers("plaintiff"), "a")
    assert appeal.status_code == 409 and appeal.get_json()["errors"] == {"status": ["closed"]}
    application = {"request": "执行", "property_clues": []}
    enforce = _post(
        client, f"{MP}/cases/{world.case.id}/enforcement-applications", application, world.headers("plaintiff"), "e"
    )
    assert enforce.status_code == 409 and enforce.get_json()["reason"] == "enforcement.not_enforceable"
