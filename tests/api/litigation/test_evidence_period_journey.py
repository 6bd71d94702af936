"""Over HTTP, across the court and both parties: the court sets a 15-day period (the notice served, its end
explained), the plaintiff gives evidence in time, the defendant applies for more time, the court extends, and
after the end two late items are marked late: the court admits one and refuses the other, and the parties see it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.utils.clock import SHANGHAI
from tests.api.litigation.evidence_period_support import COURT, MP, accepted_case, upload


def key() -> str:
    return f"k-{uuid.uuid4()}"


def timeline(client, world, who: str) -> list[str]:
    response = client.get(f"{MP}/cases/{world.case.id}/timeline", headers=world.headers(who))
    assert response.status_code == 200, response.get_json()
    return [event["type"] for event in response.get_json()]


def test_the_evidence_period_from_setting_to_late_decisions(app, client, clock):
    clock.set(dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    case_id = world.case.id
    before = client.get(f"{MP}/cases/{case_id}/evidence-period", headers=world.headers("plaintiff"))
    assert before.status_code == 409 and before.get_json()["reason"] == "evidence_period.not_set"

    # The clerk sets 15 days under ordinary procedure; the raw end (10-01) is National Day, so it rolls to 10-08.
    set_ = client.post(
        f"{COURT}/cases/{case_id}/evidence-period",
        json={"procedure": "ordinary", "days": 15},
        headers=world.headers("clerk", key()),
    )
    assert set_.status_code == 201, set_.get_json()
    period = set_.get_json()
    assert (period["last_day"], period["ends_at"]) == ("2026-10-08", "2026-10-08T16:00:00+00:00")
    assert period["deadline"]["calendar_covered"] is True and period["deadline"]["explanation"][-1].startswith("期满日")
    assert len(period["notice_document_ids"]) == 2

    # Each party has the 举证通知书 in the inbox, and reads the same period from the phone.
    for who in ("plaintiff", "defendant"):
        inbox = client.get(f"{MP}/documents", headers=world.headers(who)).get_json()["items"]
        notices = [d for d in inbox if d["doc_type"] == "evidence_notice"]
        assert len(notices) == 1 and "2026-10-08" in notices[0]["title"], inbox
        seen = client.get(f"{MP}/cases/{case_id}/evidence-period", headers=world.headers(who)).get_json()
        assert seen["last_day"] == "2026-10-08" and seen["ended"] is False and seen["late_items_pending"] == []

    # The plaintiff gives evidence in time through the ordinary flow.
    in_time = upload(client, case_id, world.headers("plaintiff"), "借条")
    assert in_time["late"] is False and in_time["submitted"] is True

    # The defendant applies for 10 more days; the court grants them for everyone: 10-18 is a Sunday -> 10-19.
    clock.set(dt.datetime(2026, 9, 25, 9, 0, tzinfo=SHANGHAI))
    applied = client.post(
        f"{MP}/cases/{case_id}/evidence-period/extensions",
        json={"days": 10, "reason": "银行流水尚未调取"},
        headers=world.headers("defendant", key()),
    )
    assert applied.status_code == 201 and applied.get_json()["status"] == "pending", applied.get_json()
    queue = client.get(f"{COURT}/cases/{case_id}/evidence-period", headers=world.headers("judge")).get_json()
    assert [e["status"] for e in queue["extensions"]] == ["pending"]
    granted = client.post(
        f"{COURT}/cases/{case_id}/evidence-period/extensions/{applied.get_json()['id']}/decide",
        json={"granted": True, "reason": "理由成立"},
        headers=world.headers("clerk", key()),
    )
    assert granted.status_code == 200, granted.get_json()
    extended = granted.get_json()
    assert (extended["last_day"], extended["version"], extended["extended_days"]) == ("2026-10-19", 2, 10)
    assert any("2026-10-18" in line for line in extended["deadline"]["explanation"])
    assert len(extended["notice_document_ids"]) == 4
    plaintiff_view = client.get(f"{MP}/cases/{case_id}/evidence-period", headers=world.headers("plaintiff")).get_json()
    assert plaintiff_view["last_day"] == "2026-10-19" and plaintiff_view["extensions"][0]["status"] == "granted"

    # After the end: an upload without a reason is refused; with one it is accepted and marked late.
    clock.set(dt.datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI))
    headers = world.headers("defendant")
    refused_upload = client.post(
        f"{MP}/cases/{case_id}/evidence/uploads",
        json={
            "filename": "a.pdf",
            "content_type": "application/pdf",
            "size": 10,
            "sha256": "0" * 64,
            "title": "x",
            "category": "书证",
            "purpose": "y",
        },
        headers=headers,
    )
    assert refused_upload.status_code == 422 and refused_upload.get_json()["reason"] == "evidence.late_reason_required"
    first = upload(client, case_id, headers, "还款凭证", late_reason="凭证昨日方从银行取得")
    second = upload(client, case_id, headers, "聊天记录", late_reason="忘记提交")
    assert (first["late"], first["late_decision"]) == (True, "pending")
    pending = client.get(f"{COURT}/cases/{case_id}/evidence-period", headers=world.headers("judge")).get_json()
    assert sorted(i["title"] for i in pending["late_items_pending"]) == ["聊天记录", "还款凭证"]

    # The judge admits one and refuses the other; a party cannot decide, and a decision is made once.
    not_court = client.post(
        f"{COURT}/evidence/{first['id']}/late-decision",
        json={"admitted": True, "reason": "x"},
        headers=world.headers("plaintiff", key()),
    )
    assert not_court.status_code == 403
    admitted = client.post(
        f"{COURT}/evidence/{first['id']}/late-decision",
        json={"admitted": True, "reason": "证据系新发现，理由成立"},
        headers=world.headers("judge", key()),
    )
    assert admitted.status_code == 200 and admitted.get_json()["late_decision"] == "admitted", admitted.get_json()
    refused = client.post(
        f"{COURT}/evidence/{second['id']}/late-decision",
        json={"admitted": False, "reason": "无正当理由逾期"},
        headers=world.headers("judge", key()),
    )
    assert refused.status_code == 200 and refused.get_json()["late_decision"] == "refused"
    again = client.post(
        f"{COURT}/evidence/{second['id']}/late-decision",
        json={"admitted": True, "reason": "改变主意"},
        headers=world.headers("judge", key()),
    )
    assert again.status_code == 409 and again.get_json()["reason"] == "evidence.late_decided"

    # The other party sees both decisions on the items and on the timeline; each is in the audit log.
    for item, decision in ((first, "admitted"), (second, "refused")):
        seen = client.get(f"{MP}/evidence/{item['id']}", headers=world.headers("plaintiff")).get_json()
        assert (seen["late"], seen["late_decision"]) == (True, decision) and seen["late_decision_reason"]
    events = timeline(client, world, "plaintiff")
    for expected in (
        "evidence_period.set",
        "evidence_period.extension_applied",
        "evidence_period.extended",
        "evidence.late_admitted",
        "evidence.late_refused",
    ):
        assert expected in events, events
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("evidence%"))))
    assert {
        "evidence_period.set",
        "evidence_period.extended",
        "evidence.late_admitted",
        "evidence.late_refused",
    } <= actions
    after = client.get(f"{COURT}/cases/{case_id}/evidence-period", headers=world.headers("clerk")).get_json()
    assert after["late_items_pending"] == [] and after["ended"] is True
