"""Agents at any stage: after acceptance a party appoints and revokes agents; where the law wants the court's
approval (a citizen agent, special authority after acceptance) the appointment waits in the court's queue, and the
court approves or refuses it (timeline, audit, webhook); nothing new once the case is closed or legally effective."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import CaseAgent
from app.extensions import db
from app.security import pii
from app.webhooks import deliveries as webhook_deliveries
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.api.litigation.evidence_period_support import COURT, MP, accepted_case, upload
from tests.conftest import is_postgres
from tests.support.factories import grant, login, make_court, make_user

THREADS = 6


@pytest.fixture
def world(app):
    return accepted_case()


@pytest.fixture
def lawyer():
    user = make_user(real_name="王律师")
    grant(user, role="lawyer")
    return user


def subscribe(world, monkeypatch):
    """The court's system subscribes to agent events; deliveries are recorded, not sent (no receiver here)."""
    monkeypatch.setattr(webhook_deliveries, "dispatch", lambda ids: None)
    db.session.add(
        WebhookSubscription(
            court_id=world.court.id,
            url="https://court.invalid/hooks",
            events=["agent.approval_requested", "agent.approved", "agent.refused"],
            secret_enc=pii.encrypt("s" * 32, field=webhook_deliveries.SECRET_FIELD),
            created_by="test",
        )
    )
    db.session.commit()


def appoint(client, world, who: str = "plaintiff", **body):
    party = world.plaintiff if who == "plaintiff" else world.defendant
    body = {"party_id": str(party.id), "authority": "general", **body}
    return client.post(f"{MP}/cases/{world.case.id}/agents", json=body, headers=world.headers(who))


def decide(client, world, approval_id, who="judge", approved=True, reason="经审查，予以准许"):
    return client.post(
        f"{COURT}/agent-approvals/{approval_id}/decide",
        json={"approved": approved, "reason": reason},
        headers=world.headers(who, f"k-{uuid.uuid4()}"),
    )


def timeline(client, world, who="plaintiff") -> list[str]:
    return [e["type"] for e in client.get(f"{MP}/cases/{world.case.id}/timeline", headers=world.headers(who)).json]


def test_a_lawyer_with_general_authority_acts_at_once_after_acceptance(client, world, lawyer):
    response = appoint(client, world, lawyer_user_id=str(lawyer.id))
    assert response.status_code == 201, response.json
    assert (response.json["status"], response.json["court_approval"]) == ("active", None)
    assert client.get(f"{MP}/cases/{world.case.id}", headers=login(lawyer)).status_code == 200
    revoked = client.post(
        f"{MP}/cases/{world.case.id}/agents/{response.json['id']}/revoke", json={}, headers=world.headers("plaintiff")
    )
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    assert client.get(f"{MP}/cases/{world.case.id}", headers=login(lawyer)).status_code == 404


def test_special_authority_after_acceptance_waits_for_the_court_then_the_lawyer_acts(
    client, world, lawyer, monkeypatch
):
    subscribe(world, monkeypatch)
    response = appoint(client, world, lawyer_user_id=str(lawyer.id), authority="special")
    assert response.status_code == 201, response.json
    agent = response.json
    assert agent["status"] == "pending_court_approval"
    assert (
        agent["court_approval"]["grounds"] == ["special_authority"] and agent["court_approval"]["status"] == "pending"
    )
    # Waiting: the lawyer does not see the case yet.
    assert client.get(f"{MP}/cases/{world.case.id}", headers=login(lawyer)).status_code == 404
    # The court's queue shows it to the case's court, not to another court.
    queue = client.get(f"{COURT}/agent-approvals", headers=world.headers("clerk")).json["items"]
    assert [(q["agent_id"], q["party_role"], q["agent_kind"]) for q in queue] == [(agent["id"], "plaintiff", "lawyer")]
    stranger = make_user()
    grant(stranger, role="judge", court=make_court())
    assert client.get(f"{COURT}/agent-approvals", headers=login(stranger)).json["items"] == []
    elsewhere = client.post(
        f"{COURT}/agent-approvals/{queue[0]['id']}/decide",
        json={"approved": True, "reason": "x"},
        headers=login(stranger),
    )
    assert elsewhere.status_code == 404
    # The judge approves: the lawyer acts (uploads evidence for the plaintiff); the parties read it on the timeline.
    approved = decide(client, world, queue[0]["id"])
    assert approved.status_code == 200, approved.json
    assert (approved.json["status"], approved.json["agent_status"]) == ("approved", "active")
    item = upload(client, world.case.id, login(lawyer), "律师提交的借条")
    assert item["party_id"] == str(world.plaintiff.id)
    assert {"agent.approval_requested", "agent.approved"} <= set(timeline(client, world, "defendant"))
    audit = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == agent["id"])))
    assert "case.agent_granted" in audit
    hooks = list(db.session.scalars(select(WebhookDelivery.event_type).order_by(WebhookDelivery.created_at)))
    assert hooks == ["agent.approval_requested", "agent.approved"]
    again = decide(client, world, queue[0]["id"])
    assert again.status_code == 409 and again.json["reason"] == "agent.approval_decided"
    assert client.get(f"{COURT}/agent-approvals", headers=world.headers("clerk")).json["items"] == []


def test_the_court_refuses_and_the_agent_never_acts(client, world, lawyer):
    agent = appoint(client, world, lawyer_user_id=str(lawyer.id), authority="special").json
    refused = decide(
        client, world, agent["court_approval"]["id"], approved=False, reason="授权委托书未载明特别授权事项"
    )
    assert refused.status_code == 200 and refused.json["agent_status"] == "court_refused"
    assert db.session.get_one(CaseAgent, uuid.UUID(agent["id"])).status == "court_refused"
    assert client.get(f"{MP}/cases/{world.case.id}", headers=login(lawyer)).status_code == 404
    assert "agent.refused" in timeline(client, world)
    # Both parties read the decision and its reason on the case's agents.
    listed = client.get(f"{MP}/cases/{world.case.id}/agents", headers=world.headers("defendant")).json
    assert [(a["status"], a["court_approval"]["decision_reason"]) for a in listed] == [
        ("court_refused", "授权委托书未载明特别授权事项")
    ]
    # Appointed again with a proper power of attorney, it waits for the court again.
    retry = appoint(client, world, lawyer_user_id=str(lawyer.id), authority="special")
    assert retry.status_code == 201 and retry.json["court_approval"]["status"] == "pending"


def test_a_citizen_agent_needs_the_court_and_the_party_may_withdraw_it(client, world):
    relative = make_user(real_name="张小三")
    response = appoint(
        client, world, agent_kind="citizen", agent_user_id=str(relative.id), citizen_basis="near_relative"
    )
    assert response.status_code == 201, response.json
    agent = response.json
    assert (agent["agent_kind"], agent["citizen_basis"], agent["status"]) == (
        "citizen",
        "near_relative",
        "pending_court_approval",
    )
    assert agent["court_approval"]["grounds"] == ["citizen_agent"]
    withdrawn = client.post(
        f"{MP}/cases/{world.case.id}/agents/{agent['id']}/revoke", json={}, headers=world.headers("plaintiff")
    )
    assert withdrawn.status_code == 200 and withdrawn.json["court_approval"]["status"] == "withdrawn"
    late = decide(client, world, agent["court_approval"]["id"])
    assert late.status_code == 409 and late.json["reason"] == "agent.approval_decided"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            {"agent_kind": "citizen", "citizen_basis": "employee", "agent_user_id": "UNVERIFIED"},
            "agent.citizen_not_verified",
        ),
        (
            {"agent_kind": "citizen", "citizen_basis": "employee", "agent_user_id": str(uuid.uuid4())},
            "agent.citizen_not_verified",
        ),
    ],
)
def test_a_citizen_agent_must_be_a_real_name_verified_user(client, world, body, reason):
    if body["agent_user_id"] == "UNVERIFIED":
        body = {**body, "agent_user_id": str(make_user().id)}
    response = appoint(client, world, **body)
    assert response.status_code == 422 and response.json["reason"] == reason


def test_citizen_agent_fields_are_checked_before_the_service(client, world):
    missing = appoint(client, world, agent_kind="citizen", agent_user_id=str(make_user(real_name="甲").id))
    assert missing.status_code == 422 and "citizen_basis" in missing.json["errors"]
    mixed = appoint(client, world, lawyer_user_id=str(uuid.uuid4()), citizen_basis="employee")
    assert mixed.status_code == 422 and "citizen_basis" in mixed.json["errors"]


def test_a_lawyer_asking_after_acceptance_with_special_authority_goes_to_the_court_once_confirmed(
    client, world, lawyer
):
    asked = client.post(
        f"{MP}/cases/{world.case.id}/agents",
        json={"party_id": str(world.defendant.id), "authority": "special", "lawyer_user_id": str(lawyer.id)},
        headers=login(lawyer),
    )
    assert asked.status_code == 201 and asked.json["status"] == "pending_confirmation"
    confirmed = client.post(
        f"{MP}/cases/{world.case.id}/agents/{asked.json['id']}/confirm", json={}, headers=world.headers("defendant")
    )
    assert confirmed.status_code == 200 and confirmed.json["status"] == "pending_court_approval"
    assert decide(client, world, confirmed.json["court_approval"]["id"], who="machine").json["agent_status"] == "active"


@pytest.mark.parametrize("status", ["closed", "effective"])
def test_no_appointments_once_the_case_is_closed_or_effective(client, world, lawyer, status):
    pending = appoint(client, world, lawyer_user_id=str(lawyer.id), authority="special").json
    world.case.status = status
    db.session.commit()
    other = make_user(real_name="钱律师")
    grant(other, role="lawyer")
    refused = appoint(client, world, "defendant", lawyer_user_id=str(other.id))
    assert refused.status_code == 409 and refused.json["reason"] == "agent.case_closed"
    approve = decide(client, world, pending["court_approval"]["id"])
    assert approve.status_code == 409 and approve.json["reason"] == "agent.case_closed"


@pytest.mark.parametrize("status", ["adjudicated", "appealed"])
def test_a_party_may_still_appoint_for_the_appeal_stage(client, world, lawyer, status):
    world.case.status = status
    db.session.commit()
    response = appoint(client, world, lawyer_user_id=str(lawyer.id), authority="special")
    assert response.status_code == 201 and response.json["status"] == "pending_court_approval"


@pytest.mark.postgres
def test_approving_two_agents_of_one_party_at_once_leaves_one_active(app, database_url, world):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time, so a race there proves nothing")
    approvals = []
    for number in range(THREADS):
        counsel = make_user(real_name=f"律师{number}")
        grant(counsel, role="lawyer")
        response = appoint(app.test_client(), world, lawyer_user_id=str(counsel.id), authority="special")
        approvals.append(response.json["court_approval"]["id"])
    headers = [world.headers("judge", f"k-{uuid.uuid4()}") for _ in approvals]
    barrier = threading.Barrier(THREADS)
    results = []

    def approve(number):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"{COURT}/agent-approvals/{approvals[number]}/decide",
            json={"approved": True, "reason": "准许"},
            headers=headers[number],
        )
        results.append(
            (response.status_code, response.get_json().get("reason") if response.status_code != 200 else None)
        )

    threads = [threading.Thread(target=approve, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results, key=str) == sorted(
        [(200, None)] + [(409, "agent.party_represented")] * (THREADS - 1), key=str
    )
    db.session.expire_all()
    active = select(func.count()).select_from(CaseAgent).where(CaseAgent.status == "active")
    assert db.session.scalar(active) == 1
