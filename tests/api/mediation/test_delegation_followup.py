"""Delegation follow-up rules (issue 14, item 2): recall, the expiry sweep, evidence and lawyers' mandates carried
between the court's case and the delegated mediation, once."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from app.agents import AgentApproval
from app.audit.models import AuditEvent
from app.cases.models import Case
from app.errors import StorageUnavailable
from app.evidence import carry as evidence_carry
from app.evidence.models import EvidenceCustodyEvent
from app.extensions import db, storage
from app.mediation import delegation_carry, delegation_sweep
from app.mediation.delegation_models import DelegationFollowup
from app.mediation.models import CourtDelegation
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_delegation import (
    COURT,
    MP,
    accept,
    accepted_case,
    agents_of,
    appoint,
    build_world,
    hooks,
    notified,
    party,
    put_item,
    send,
    subscribe,
    titles,
)
from tests.api.mediation.helpers_outcome import events, status_of
from tests.support.factories import login


@pytest.fixture
def world(app, client, clock):
    w = build_world(clock)
    subscribe(client, w)
    return w


def _recall(client, w, d_id, reason=None):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"{COURT}/delegations/{d_id}/recall", json=body, headers=login(w["clerk"]))


def _fail(client, w, mediation_id):
    chosen = client.post(
        f"{MP}/cases/{mediation_id}/mediator", json={"mediator_id": str(w["profile"].id)}, headers=login(w["admin"])
    )
    assert chosen.status_code == 201, chosen.get_json()
    assert client.post(f"{MP}/cases/{mediation_id}/mediator/accept", headers=login(w["mediator"])).status_code == 200
    body = {"result": "failed", "reason": "双方分歧较大"}
    failed = client.post(f"{MP}/cases/{mediation_id}/outcome", json=body, headers=login(w["mediator"]))
    assert failed.status_code == 200, failed.get_json()


def test_mandates_and_evidence_go_to_the_mediation_and_back_once(client, world):
    case = accepted_case(world)
    plaintiff = party(case, "plaintiff")
    put_item(case, plaintiff, world["filer"], b"%PDF loan", order=1, title="借条")
    letter = put_item(case, plaintiff, world["filer"], b"%PDF poa 1", order=2, title="授权委托书")
    appoint(client, case.id, plaintiff, world["filer"], world["lawyer"], letter)

    d_id = send(client, world, case.id)["id"]
    mediation_id = uuid.UUID(accept(client, world, d_id)["mediation_case_id"])
    # the lawyer acts for the applicant in the mediation with the carried copy of the power of attorney
    copies = evidence_carry.copies_in(mediation_id)
    assert agents_of(mediation_id) == [("applicant", world["lawyer"].id, "active", copies[letter.id])]
    assert "agent.carried_over" in [e.type for e in events(mediation_id)]
    assert client.get(f"{MP}/cases/{mediation_id}", headers=login(world["lawyer"])).status_code == 200

    # in the mediation the defendant submits evidence and appoints a lawyer of their own
    mediation = db.session.get(Case, mediation_id)
    respondent = party(mediation, "respondent")
    put_item(mediation, respondent, world["defendant"], b"%PDF receipt", order=1, title="收条")
    their_letter = put_item(mediation, respondent, world["defendant"], b"%PDF poa 2", order=2, title="委托书")
    # special authority (特别授权): in the accepted case it will need the court's approval
    appoint(client, mediation_id, respondent, world["defendant"], world["other_lawyer"], their_letter, "special")

    _fail(client, world, mediation_id)
    row = db.session.get(CourtDelegation, uuid.UUID(d_id))
    assert (row.state, row.outcome) == ("returned", "failed")
    # only what was new in the mediation comes back, with custody events on both sides
    assert titles(case.id) == ["借条", "委托书", "授权委托书", "收条"]
    back = evidence_carry.copies_from(case.id, mediation_id)
    assert len(back) == 2
    custody = db.session.scalar(
        select(func.count()).select_from(EvidenceCustodyEvent).filter_by(case_id=case.id, action="carried_over")
    )
    assert custody == 4  # two when the court's items went to the mediation, two for the copies that came back
    assert agents_of(case.id) == [
        ("defendant", world["other_lawyer"].id, "pending_court_approval", back[their_letter.id]),
        ("plaintiff", world["lawyer"].id, "active", letter.id),
    ]
    approval = db.session.scalar(select(AgentApproval).filter_by(case_id=case.id))
    assert (approval.status, approval.grounds) == ("pending", ["special_authority"])
    assert "agent.approval_requested" in [e.type for e in events(case.id)]
    shown = client.get(f"{COURT}/delegations/{d_id}", headers=login(world["clerk"])).get_json()
    assert shown["carried_back_count"] == 2 and shown["carried_back_at"] is not None

    # once only: another attempt (the sweep, a retry) carries nothing more
    assert delegation_carry.bring_back(row, actor=None, role="system") is None
    db.session.commit()
    assert delegation_sweep.carry_back_pending() == 0
    assert titles(case.id) == ["借条", "委托书", "授权委托书", "收条"]


def test_a_store_outage_on_return_leaves_the_carrying_to_the_sweep(client, world, monkeypatch):
    case = accepted_case(world)
    d_id = send(client, world, case.id)["id"]
    mediation_id = uuid.UUID(accept(client, world, d_id)["mediation_case_id"])
    respondent = party(db.session.get(Case, mediation_id), "respondent")
    put_item(db.session.get(Case, mediation_id), respondent, world["defendant"], b"%PDF r", order=1, title="收条")

    def down(*args, **kwargs):
        raise StorageUnavailable("the store is down")

    with monkeypatch.context() as patched:
        patched.setattr(storage, "copy", down)
        _fail(client, world, mediation_id)  # the mediation still ends
    assert db.session.get(CourtDelegation, uuid.UUID(d_id)).state == "returned"
    assert titles(case.id) == []
    assert delegation_sweep.sweep() == 1
    assert titles(case.id) == ["收条"]
    assert delegation_sweep.sweep() == 0


def test_the_court_recalls_before_acceptance_and_the_organisation_is_told(client, world):
    case = accepted_case(world)
    d_id = send(client, world, case.id)["id"]
    recalled = _recall(client, world, d_id)
    assert recalled.status_code == 200, recalled.get_json()
    assert (recalled.get_json()["state"], recalled.get_json()["mediation_case_id"]) == ("recalled", None)
    late = client.post(f"{MP}/mediation/delegations/{d_id}/accept", json={}, headers=login(world["admin"]))
    assert (late.status_code, late.get_json()["reason"]) == (409, "delegation.answered")
    again = _recall(client, world, d_id, "再次撤回")
    assert (again.status_code, again.get_json()["reason"]) == (409, "delegation.not_recallable")
    assert "delegation.recalled" in hooks()
    assert notified(world["admin"]) == ["delegation_recalled"]
    listed = client.get(f"{COURT}/delegations", query_string={"state": "recalled"}, headers=login(world["clerk"]))
    assert [i["id"] for i in listed.get_json()["items"]] == [d_id]
    send(client, world, case.id)  # the case is the court's again


def test_recalling_an_accepted_delegation_needs_a_reason_and_ends_its_mediation(client, world):
    case = accepted_case(world)
    d_id = send(client, world, case.id)["id"]
    mediation_id = uuid.UUID(accept(client, world, d_id)["mediation_case_id"])
    no_reason = _recall(client, world, d_id)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    db.session.get(Case, mediation_id).status = "in_mediation"
    db.session.get(Case, mediation_id).mediator_user_id = world["mediator"].id
    db.session.commit()
    recalled = _recall(client, world, d_id, "当事人申请恢复审理")
    assert recalled.status_code == 200, recalled.get_json()
    shown = recalled.get_json()
    assert (shown["state"], shown["outcome"], shown["recall_reason"]) == ("recalled", "failed", "当事人申请恢复审理")
    assert status_of(mediation_id) == "failed"
    assert "delegation.recalled" in [e.type for e in events(mediation_id)]
    assert "mediation.recalled" in [e.type for e in events(mediation_id)]
    assert [e.type for e in events(case.id) if e.type.startswith("delegation.")][-1] == "delegation.recalled"
    assert notified(world["mediator"]) == ["delegation_recalled"]
    assert db.session.get(DelegationFollowup, uuid.UUID(d_id)).carried_back_at is not None
    assert status_of(case.id) == "accepted"  # the litigation goes on


def test_recalling_a_mediation_not_started_withdraws_it_and_a_returned_one_is_not_recallable(client, world):
    case = accepted_case(world)
    d_id = send(client, world, case.id)["id"]
    mediation_id = uuid.UUID(accept(client, world, d_id)["mediation_case_id"])
    assert _recall(client, world, d_id, "法院决定恢复审理").get_json()["outcome"] == "withdrawn"
    assert status_of(mediation_id) == "withdrawn"

    other = accepted_case(world)
    d2 = send(client, world, other.id)["id"]
    m2 = uuid.UUID(accept(client, world, d2)["mediation_case_id"])
    _fail(client, world, m2)
    late = _recall(client, world, d2, "撤回")
    assert (late.status_code, late.get_json()["reason"]) == (409, "delegation.not_recallable")


def test_the_sweep_expires_unanswered_delegations_once(client, world):
    case = accepted_case(world)
    d_id = send(client, world, case.id, due="2026-11-03")["id"]
    assert delegation_sweep.sweep() == 0  # not yet due
    world["clock"].set(dt.datetime(2026, 11, 4, 0, 1, tzinfo=SHANGHAI))
    assert delegation_sweep.sweep() == 1
    assert delegation_sweep.sweep() == 0
    assert db.session.get(CourtDelegation, uuid.UUID(d_id)).state == "expired"
    assert [e.type for e in events(case.id)].count("delegation.expired") == 1
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "delegation.expired")).all()
    assert len(audited) == 1
    assert hooks().count("delegation.expired") == 1
    assert notified(world["admin"]) == ["delegation_expired"]
    late = client.post(f"{MP}/mediation/delegations/{d_id}/accept", json={}, headers=login(world["admin"]))
    assert (late.status_code, late.get_json()["reason"]) == (409, "delegation.expired")
    recall = _recall(client, world, d_id)
    assert (recall.status_code, recall.get_json()["reason"]) == (409, "delegation.not_recallable")


def test_an_accepted_delegation_past_its_due_date_is_told_once(client, world):
    case = accepted_case(world)
    d_id = send(client, world, case.id, due="2026-11-03")["id"]
    mediation_id = uuid.UUID(accept(client, world, d_id, with_mediator=True)["mediation_case_id"])
    assert (
        client.post(f"{MP}/cases/{mediation_id}/mediator/accept", headers=login(world["mediator"])).status_code == 200
    )
    world["clock"].set(dt.datetime(2026, 11, 4, 8, 0, tzinfo=SHANGHAI))
    assert delegation_sweep.sweep() == 1
    assert delegation_sweep.sweep() == 0
    row = db.session.get(CourtDelegation, uuid.UUID(d_id))
    assert row.state == "accepted"  # the mediation goes on; its own period governs its end
    assert "delegation.overdue" in [e.type for e in events(mediation_id)]
    assert [e.type for e in events(case.id)].count("delegation.overdue") == 1
    assert notified(world["mediator"]).count("delegation_overdue") == 1
    shown = client.get(f"{COURT}/delegations/{d_id}", headers=login(world["clerk"])).get_json()
    assert shown["overdue"] is True and shown["overdue_notified_at"] is not None


def test_strangers_cannot_recall(client, world):
    case = accepted_case(world)
    d_id = send(client, world, case.id)["id"]
    for user in (world["admin"], world["filer"]):
        answer = client.post(f"{COURT}/delegations/{d_id}/recall", json={}, headers=login(user))
        assert answer.status_code in (403, 404)
    unknown = _recall(client, world, uuid.uuid4())
    assert (unknown.status_code, unknown.get_json()["reason"]) == (404, "delegation.not_found")


def test_a_recalled_dispute_is_filed_with_its_lawyer(client, world):
    from tests.support.cases import file_case

    dispute = file_case(world["filer"], court=world["court"])
    applicant = party(dispute, "applicant")
    letter = put_item(dispute, applicant, world["filer"], b"%PDF poa", order=1, title="授权委托书")
    appoint(client, dispute.id, applicant, world["filer"], world["lawyer"], letter)
    d_id = send(client, world, dispute.id)["id"]
    accept(client, world, d_id)
    recalled = _recall(client, world, d_id, "当事人要求直接起诉")
    assert (recalled.get_json()["state"], recalled.get_json()["outcome"]) == ("recalled", "withdrawn")
    assert status_of(dispute.id) == "withdrawn"
    filed = client.post(f"{COURT}/delegations/{d_id}/file", headers=login(world["clerk"]))
    assert filed.status_code == 201, filed.get_json()
    litigation_id = uuid.UUID(filed.get_json()["id"])
    copies = evidence_carry.copies_in(litigation_id)
    assert agents_of(litigation_id) == [("plaintiff", world["lawyer"].id, "active", copies[letter.id])]


def test_a_lawyer_no_longer_verified_is_not_carried(client, world):
    from app.identity import LawyerProfile

    case = accepted_case(world)
    plaintiff = party(case, "plaintiff")
    letter = put_item(case, plaintiff, world["filer"], b"%PDF poa", order=1, title="授权委托书")
    appoint(client, case.id, plaintiff, world["filer"], world["lawyer"], letter)
    profile = db.session.scalar(select(LawyerProfile).filter_by(user_id=world["lawyer"].id))
    profile.status = "suspended"
    db.session.commit()
    d_id = send(client, world, case.id)["id"]
    mediation_id = uuid.UUID(accept(client, world, d_id)["mediation_case_id"])
    assert agents_of(mediation_id) == []
    assert titles(mediation_id) == ["授权委托书"]  # the evidence still comes
