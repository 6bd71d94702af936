"""Court-to-organisation delegation: a case after filing (委托调解), the refusals, declining, expiry, withdrawal."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseParty
from app.extensions import db
from app.mediation.models import CourtDelegation
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_outcome import COURT, MP, events, link, mediator, status_of
from tests.support.factories import grant, login, make_court, make_org, make_user
from tests.support.review import litigation


@pytest.fixture
def world(app, clock):
    clock.set(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    court, org, other_org = make_court(), make_org(), make_org(name="乙调委会")
    link(org, court)
    clerk, admin, other_admin = make_user(), make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(admin, role="org_admin", org=org)
    grant(other_admin, role="org_admin", org=other_org)
    med, profile = mediator(org)
    filer, defendant = make_user(real_name="张三"), make_user(real_name="李四")
    return {
        "court": court,
        "org": org,
        "other_org": other_org,
        "clerk": clerk,
        "admin": admin,
        "other_admin": other_admin,
        "mediator": med,
        "profile": profile,
        "filer": filer,
        "defendant": defendant,
        "clock": clock,
    }


def _send(client, w, case_id, *, org=None, due="2026-11-30"):
    body = {"case_id": str(case_id), "org_id": str((org or w["org"]).id), "due_date": due}
    return client.post(f"{COURT}/delegations", json=body, headers=login(w["clerk"]))


def _accepted_case(w) -> Case:
    case = litigation(w["court"], w["filer"])
    defendant = db.session.scalar(select(CaseParty).filter_by(case_id=case.id, role="defendant"))
    defendant.user_id = w["defendant"].id
    case.status, case.case_number = "accepted", "(2026)浙0212民初1号"
    db.session.commit()
    return case


def test_a_case_after_filing_is_mediated_in_a_mediation_made_from_it(client, world):
    case = _accepted_case(world)
    sent = _send(client, world, case.id)
    assert sent.status_code == 201, sent.get_json()
    assert (sent.get_json()["stage"], sent.get_json()["mediation_case_id"]) == ("post_filing", None)
    d_id = sent.get_json()["id"]
    accepted = client.post(f"{MP}/mediation/delegations/{d_id}/accept", json={}, headers=login(world["admin"]))
    assert accepted.status_code == 200, accepted.get_json()
    mediation_id = uuid.UUID(accepted.get_json()["mediation_case_id"])
    mediation = db.session.get(Case, mediation_id)
    assert (mediation.kind, mediation.status, mediation.court_id, mediation.org_id) == (
        "mediation",
        "submitted",
        world["court"].id,
        world["org"].id,
    )
    assert (mediation.origin_case_id, mediation.filed_via) == (case.id, "delegation")
    parties = {
        p.name: (p.role, p.user_id) for p in db.session.scalars(select(CaseParty).filter_by(case_id=mediation_id))
    }
    assert parties == {"张三": ("applicant", world["filer"].id), "李四": ("respondent", world["defendant"].id)}

    # The organisation's admin assigns as today; the mediation fails; the case returns and litigation goes on.
    chosen = client.post(
        f"{MP}/cases/{mediation_id}/mediator",
        json={"mediator_id": str(world["profile"].id)},
        headers=login(world["admin"]),
    )
    assert chosen.status_code == 201, chosen.get_json()
    assert (
        client.post(f"{MP}/cases/{mediation_id}/mediator/accept", headers=login(world["mediator"])).status_code == 200
    )
    failed = client.post(
        f"{MP}/cases/{mediation_id}/outcome",
        json={"result": "failed", "reason": "双方分歧较大"},
        headers=login(world["mediator"]),
    )
    assert failed.status_code == 200, failed.get_json()
    shown = client.get(f"{COURT}/delegations/{d_id}", headers=login(world["clerk"])).get_json()
    assert (shown["state"], shown["outcome"], shown["mediation_status"], shown["case_status"]) == (
        "returned",
        "failed",
        "failed",
        "accepted",
    )
    assert [e.type for e in events(case.id) if e.type.startswith("delegation.")] == [
        "delegation.sent",
        "delegation.accepted",
        "delegation.returned",
    ]
    assert "delegation.returned" in [e.type for e in events(mediation_id)]


def test_the_organisation_must_be_linked_and_the_case_the_courts(client, world):
    case = litigation(world["court"], world["filer"])
    refused = _send(client, world, case.id, org=world["other_org"])
    assert (refused.status_code, refused.get_json()["reason"]) == (409, "delegation.org_not_linked")
    other_clerk = make_user()
    grant(other_clerk, role="clerk", court=make_court())
    body = {"case_id": str(case.id), "org_id": str(world["org"].id), "due_date": "2026-11-30"}
    foreign = client.post(f"{COURT}/delegations", json=body, headers=login(other_clerk))
    assert (foreign.status_code, foreign.get_json()["reason"]) == (404, "case.not_found")
    past = _send(client, world, case.id, due="2026-11-01")
    assert past.status_code == 422 and "due_date" in past.get_json()["errors"]
    assert _send(client, world, case.id).status_code == 201
    again = _send(client, world, case.id)
    assert (again.status_code, again.get_json()["reason"]) == (409, "delegation.already_delegated")


def test_a_declined_delegation_may_go_elsewhere_and_strangers_see_nothing(client, world):
    case = litigation(world["court"], world["filer"])
    d_id = _send(client, world, case.id).get_json()["id"]
    stranger = client.post(
        f"{MP}/mediation/delegations/{d_id}/decline", json={"reason": "不是我们的"}, headers=login(world["other_admin"])
    )
    assert (stranger.status_code, stranger.get_json()["reason"]) == (404, "delegation.not_found")
    assert client.get(f"{MP}/mediation/delegations", headers=login(world["other_admin"])).get_json()["items"] == []
    declined = client.post(
        f"{MP}/mediation/delegations/{d_id}/decline", json={"reason": "本会近期人手不足"}, headers=login(world["admin"])
    )
    assert declined.status_code == 200 and declined.get_json()["state"] == "declined"
    assert declined.get_json()["decline_reason"] == "本会近期人手不足"
    late = client.post(f"{MP}/mediation/delegations/{d_id}/accept", json={}, headers=login(world["admin"]))
    assert (late.status_code, late.get_json()["reason"]) == (409, "delegation.answered")
    assert _send(client, world, case.id).status_code == 201  # a declined one no longer holds the case
    states = client.get(f"{COURT}/delegations", headers=login(world["clerk"])).get_json()["items"]
    assert [s["state"] for s in states] == ["sent", "declined"]


def test_a_delegation_not_accepted_by_its_due_date_expires(client, world):
    case = litigation(world["court"], world["filer"])
    d_id = _send(client, world, case.id, due="2026-11-03").get_json()["id"]
    world["clock"].set(dt.datetime(2026, 11, 4, 0, 0, tzinfo=SHANGHAI))
    listed = client.get(f"{COURT}/delegations", query_string={"state": "expired"}, headers=login(world["clerk"]))
    assert [i["id"] for i in listed.get_json()["items"]] == [d_id]
    late = client.post(f"{MP}/mediation/delegations/{d_id}/accept", json={}, headers=login(world["admin"]))
    assert (late.status_code, late.get_json()["reason"]) == (409, "delegation.expired")
    assert db.session.get(CourtDelegation, uuid.UUID(d_id)).state == "expired"
    assert "delegation.expired" in [e.type for e in events(case.id)]
    from app.notifications.models import Notification

    told = db.session.scalars(select(Notification.kind).filter_by(user_id=world["admin"].id)).all()
    assert told == ["delegation_expired"]  # recorded by the answer as the sweep would have
    assert _send(client, world, case.id, due="2026-11-30").status_code == 201


def test_a_withdrawn_delegated_dispute_returns_to_the_court(client, world):
    from tests.support.cases import file_case

    case = file_case(world["filer"], court=world["court"])
    d_id = _send(client, world, case.id).get_json()["id"]
    assert (
        client.post(f"{MP}/mediation/delegations/{d_id}/accept", json={}, headers=login(world["admin"])).status_code
        == 200
    )
    withdrawn = client.post(
        f"{MP}/cases/{case.id}/withdraw", json={"reason": "已自行和解"}, headers=login(world["filer"])
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert status_of(case.id) == "withdrawn"
    row = db.session.get(CourtDelegation, uuid.UUID(d_id))
    assert (row.state, row.outcome) == ("returned", "withdrawn")


def test_the_court_files_a_delegated_dispute_whose_mediation_failed(client, world):
    from tests.api.mediation.helpers_outcome import respondent_party
    from tests.support.cases import file_case

    case = file_case(world["filer"], court=world["court"])
    party = respondent_party(case)
    party.user_id = world["defendant"].id
    db.session.commit()
    d_id = _send(client, world, case.id).get_json()["id"]
    too_soon = client.post(f"{COURT}/delegations/{d_id}/file", headers=login(world["clerk"]))
    assert (too_soon.status_code, too_soon.get_json()["reason"]) == (409, "delegation.not_fileable")
    body = {"mediator_id": str(world["profile"].id)}
    assert (
        client.post(f"{MP}/mediation/delegations/{d_id}/accept", json=body, headers=login(world["admin"])).status_code
        == 200
    )
    assert client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(world["mediator"])).status_code == 200
    body = {"result": "failed", "reason": "双方分歧较大"}
    assert client.post(f"{MP}/cases/{case.id}/outcome", json=body, headers=login(world["mediator"])).status_code == 200

    filed = client.post(f"{COURT}/delegations/{d_id}/file", headers=login(world["clerk"]) | {"Idempotency-Key": "f-1"})
    assert filed.status_code == 201, filed.get_json()
    litigation = filed.get_json()
    assert (litigation["kind"], litigation["status"], litigation["court"]["id"]) == (
        "litigation",
        "submitted",
        str(world["court"].id),
    )
    assert litigation["origin_case_id"] == str(case.id)
    new_id = uuid.UUID(litigation["id"])
    parties = {p.name: (p.role, p.user_id) for p in db.session.scalars(select(CaseParty).filter_by(case_id=new_id))}
    assert parties == {"张三": ("plaintiff", world["filer"].id), "李四": ("defendant", world["defendant"].id)}
    assert db.session.get(Case, new_id).filed_via == "delegation"
    again = client.post(f"{COURT}/delegations/{d_id}/file", headers=login(world["clerk"]))
    assert (again.status_code, again.get_json()["reason"]) == (409, "mediation.already_transferred")


def test_a_filing_rejected_meanwhile_is_not_mediated(client, world):
    case = litigation(world["court"], world["filer"])
    d_id = _send(client, world, case.id).get_json()["id"]
    db.session.get(Case, case.id).status = "rejected"
    db.session.commit()
    moved = client.post(f"{MP}/mediation/delegations/{d_id}/accept", json={}, headers=login(world["admin"]))
    assert (moved.status_code, moved.get_json()["reason"]) == (409, "delegation.case_moved")
    assert db.session.get(CourtDelegation, uuid.UUID(d_id)).state == "sent"
