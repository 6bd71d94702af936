"""Enforcement applications over HTTP: to another court of the party's choice, one open application per party,
rejection with reasons on the timeline, then a new application accepted with that court's 执 number; a lawyer
applies for the party they act for.
"""

from __future__ import annotations

import datetime as dt
import json

from app.cases.models import CaseAgent, TimelineEvent
from app.extensions import db
from app.utils.clock import SHANGHAI
from app.webhooks.models import WebhookDelivery
from tests.api.litigation.support import COURT, MP, accepted_case, serve_all, status_of
from tests.support.factories import grant, login, machine_headers, make_court, make_user

CLUES = [{"kind": "real_estate", "description": "被告名下位于宁波市北仑区的房产"}]


def _effective(client, clock, world) -> None:
    body = {"closing_method": "mediation", "performance_days": 30}
    headers = {**world.headers("judge"), "Idempotency-Key": "decide"}
    assert client.post(f"{COURT}/cases/{world.case.id}/decision", json=body, headers=headers).status_code == 200
    serve_all(client, world, "mediation_document")
    assert status_of(world.case.id) == "effective"  # a mediation statement: effective once every party received it


def test_an_application_to_another_court_rejected_then_accepted_there(client, clock):
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    _effective(client, clock, world)
    elsewhere = make_court("浙0206", name="宁波市北仑区人民法院执行局")
    their_clerk = make_user()
    grant(their_clerk, role="clerk", court=elsewhere)
    url = f"{MP}/cases/{world.case.id}/enforcement-applications"
    body = {"request": "强制被告履行调解书", "property_clues": CLUES, "court_id": str(elsewhere.id)}
    plaintiff = world.headers("plaintiff")
    first = client.post(url, json=body, headers={**plaintiff, "Idempotency-Key": "e1"})
    assert first.status_code == 201, first.get_json()
    application = first.get_json()
    # 30 days to perform from its effect (2 November): two years from 2 December 2026, i.e. 2 December 2028, a
    # Saturday of a year the calendar does not cover yet: its lower bound (holidays can only extend it)
    assert application["limitation_ends_at"] == "2028-12-02T16:00:00+00:00"
    limitation = client.get(f"{MP}/cases/{world.case.id}/litigation", headers=plaintiff).get_json()
    assert limitation["enforcement_limitation"]["calendar_covered"] is False
    again = client.post(url, json=body, headers={**plaintiff, "Idempotency-Key": "e2"})
    assert again.status_code == 409 and again.get_json()["reason"] == "enforcement.already_applied"

    # the case's own court does not see it; the named court does
    assert client.get(f"{COURT}/enforcement-applications", headers=world.headers("clerk")).get_json()["items"] == []
    theirs = login(their_clerk)
    assert [i["id"] for i in client.get(f"{COURT}/enforcement-applications", headers=theirs).get_json()["items"]] == [
        application["id"]
    ]
    mine = client.post(f"{COURT}/enforcement-applications/{application['id']}/accept", headers=world.headers("clerk"))
    assert mine.status_code == 404

    hooks = {"url": "http://127.0.0.1:9/hooks", "events": ["enforcement.rejected"]}
    assert client.post(f"{COURT}/webhooks", json=hooks, headers=machine_headers(elsewhere)).status_code == 201
    rejected = client.post(
        f"{COURT}/enforcement-applications/{application['id']}/reject",
        json={"reason": "申请执行书未载明被执行人"},
        headers={**theirs, "Idempotency-Key": "r1"},
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    twice = client.post(f"{COURT}/enforcement-applications/{application['id']}/accept", headers=theirs)
    assert twice.status_code == 409 and twice.get_json()["reason"] == "enforcement.already_decided"
    event = db.session.query(TimelineEvent).filter_by(case_id=world.case.id, type="enforcement.rejected").one()
    assert event.reason == "申请执行书未载明被执行人"
    [hook] = db.session.query(WebhookDelivery.body).filter_by(event_type="enforcement.rejected").all()
    assert json.loads(hook.body)["data"]["application_id"] == application["id"]  # the named court's system is told

    # the plaintiff's lawyer applies again; the court system accepts it with the enforcement court's number
    lawyer = make_user()
    grant(lawyer, role="lawyer")
    db.session.add(
        CaseAgent(
            case_id=world.case.id,
            party_id=world.plaintiff.id,
            lawyer_user_id=lawyer.id,
            authority="special",
            status="active",
        )
    )
    db.session.commit()
    second = client.post(url, json=body, headers={**login(lawyer), "Idempotency-Key": "e3"})
    assert second.status_code == 201 and second.get_json()["applicant_party_id"] == str(world.plaintiff.id)
    accepted = client.post(
        f"{COURT}/enforcement-applications/{second.get_json()['id']}/accept", headers=machine_headers(elsewhere)
    )
    assert accepted.status_code == 200 and accepted.get_json()["case_number"] == "(2026)浙0206执1号"
    view = client.get(f"{MP}/cases/{world.case.id}/litigation", headers=plaintiff).get_json()
    assert [a["status"] for a in view["enforcement_applications"]] == ["rejected", "accepted"]
