"""Choosing, assigning, accepting and declining a mediator; the org admin's queue; the mediator's offers."""

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.mediation import assignment as mediation_assignment
from app.mediation.models import MediatorAssignment
from tests.api.mediation.helpers_outcome import (
    ADMIN,
    MP,
    dispute,
    events,
    link,
    mediator,
    offer,
    principal,
    status_of,
)
from tests.support.factories import grant, login, make_court, make_org, make_user


@pytest.fixture
def org(app):
    return make_org()


def test_a_party_chooses_and_the_mediator_accepts(client, clock, org):
    filer = make_user(real_name="张三")
    case = dispute(org=org, filer=filer)
    med, profile = mediator(org)
    chosen = client.post(f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(profile.id)}, headers=login(filer))
    assert chosen.status_code == 201, chosen.get_json()
    body = chosen.get_json()
    assert body["status"] == "pending" and body["assigned_via"] == "party" and body["mediation_due_at"] is None
    assert body["mediator"]["display_name"] == "王调解" and "user_id" not in body["mediator"]
    assert status_of(case.id) == "assigned"
    # the offered mediator sees the offer, though not yet the case itself
    offers = client.get(f"{MP}/mediation/offers", headers=login(med)).get_json()["items"]
    assert [o["case"]["id"] for o in offers] == [str(case.id)]
    assert client.get(f"{MP}/cases/{case.id}", headers=login(med)).status_code == 404
    accepted = client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med))
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    # accepted 2026-11-02 10:00 Shanghai: 30 days end at 24:00 on 2026-12-02 Shanghai
    assert accepted.get_json()["mediation_due_at"] == "2026-12-02T16:00:00+00:00"
    detail = client.get(f"{MP}/cases/{case.id}", headers=login(med)).get_json()
    assert detail["status"] == "mediator_accepted" and detail["mediator_user_id"] == str(med.id)
    assert detail["deadlines"][0]["type"] == "mediation_period"
    assert detail["deadlines"][0]["due_at"] == "2026-12-03T00:00:00+08:00"
    assert [(e.type, e.from_status, e.to_status) for e in events(case.id)][-2:] == [
        ("mediation.assigned", "submitted", "assigned"),
        ("mediation.mediator_accepted", "assigned", "mediator_accepted"),
    ]
    assert client.get(f"{MP}/mediation/offers", headers=login(med)).get_json()["items"] == []
    offer(dispute(org=org), profile, case_status="withdrawn")  # an offer on a withdrawn dispute is no longer open
    assert client.get(f"{MP}/mediation/offers", headers=login(med)).get_json()["items"] == []


def test_the_org_admin_assigns_and_a_decline_returns_the_case_to_the_queue(client, org):
    admin = make_user()
    grant(admin, role="org_admin", org=org)
    case = dispute(org=org)
    med, profile = mediator(org)
    queue = client.get(f"{ADMIN}/orgs/{org.id}/unassigned-cases", headers=login(admin)).get_json()["items"]
    assert [c["id"] for c in queue] == [str(case.id)]
    chosen = client.post(f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(profile.id)}, headers=login(admin))
    assert chosen.status_code == 201 and chosen.get_json()["assigned_via"] == "org_admin"
    assert client.get(f"{ADMIN}/orgs/{org.id}/unassigned-cases", headers=login(admin)).get_json()["items"] == []
    declined = client.post(f"{MP}/cases/{case.id}/mediator/decline", json={"reason": "利益冲突"}, headers=login(med))
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert status_of(case.id) == "assigned"
    assert db.session.get(Case, case.id).mediator_user_id is None
    queue = client.get(f"{ADMIN}/orgs/{org.id}/unassigned-cases", headers=login(admin)).get_json()["items"]
    assert [c["id"] for c in queue] == [str(case.id)]
    assert queue[0]["declines"][0]["reason"] == "利益冲突" and queue[0]["status"] == "assigned"
    assert events(case.id)[-1].type == "mediation.mediator_declined"
    # the mediator who declined is not offered the case again
    again = client.post(f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(profile.id)}, headers=login(admin))
    assert again.status_code == 422 and "mediator_id" in again.get_json()["errors"]
    _other, second = mediator(org, name="李调解")
    reassigned = client.post(
        f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(second.id)}, headers=login(admin)
    )
    assert reassigned.status_code == 201
    assert [e.type for e in events(case.id)][-1] == "mediation.mediator_offered"  # no status change: still assigned


def test_a_new_choice_supersedes_the_open_offer(client, org):
    filer = make_user(real_name="张三")
    case = dispute(org=org, filer=filer)
    first_user, first = mediator(org)
    _u, second = mediator(org, name="李调解")
    client.post(f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(first.id)}, headers=login(filer))
    client.post(f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(second.id)}, headers=login(filer))
    rows = db.session.scalars(select(MediatorAssignment).order_by(MediatorAssignment.created_at)).all()
    assert [(r.profile_id, r.status) for r in rows] == [(first.id, "superseded"), (second.id, "pending")]
    late = client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(first_user))
    assert late.status_code == 404  # the superseded mediator has no relation to the case any more


@pytest.mark.parametrize("key", [None, "choose-twice"])
def test_an_offer_the_pending_index_refuses_is_a_conflict_and_lands_nothing(client, org, monkeypatch, key):
    """The offer's INSERT waits with the timeline entry until the flush (one statement on PostgreSQL); the unique
    index on a case's pending offer still answers a 409, with or without an Idempotency-Key, and nothing lands."""
    filer = make_user(real_name="张三")
    case = dispute(org=org, filer=filer)
    case_id = case.id
    _first_user, first = mediator(org)
    _u, second = mediator(org, name="李调解")
    url = f"{MP}/cases/{case_id}/mediator"
    assert client.post(url, json={"mediator_id": str(first.id)}, headers=login(filer)).status_code == 201
    before = len(events(case_id))
    # As if another offer had slipped in after the open one was superseded: the new offer then meets it in the index.
    monkeypatch.setattr(mediation_assignment, "_SUPERSEDE", select(1).where(False))
    headers = login(filer) | ({"Idempotency-Key": key} if key else {})
    refused = client.post(url, json={"mediator_id": str(second.id)}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "mediation.assignment_conflict"
    db.session.rollback()
    rows = db.session.scalars(select(MediatorAssignment).where(MediatorAssignment.case_id == case_id)).all()
    assert [(r.profile_id, r.status) for r in rows] == [(first.id, "pending")]
    assert len(events(case_id)) == before


@pytest.mark.parametrize(
    ("who", "status", "reason"),
    [
        ("stranger", 404, "case.not_found"),
        ("other_mediator", 404, "case.not_found"),
        ("filer", 403, "mediation.not_offered_to_you"),
        ("org_admin", 403, "mediation.not_offered_to_you"),
    ],
)
def test_only_the_offered_mediator_answers(client, org, who, status, reason):
    filer, admin = make_user(real_name="张三"), make_user()
    grant(admin, role="org_admin", org=org)
    case = dispute(org=org, filer=filer)
    _med, profile = mediator(org)
    other_med, _ = mediator(org, name="李调解")
    offer(case, profile, case_status="assigned")
    caller = {"stranger": make_user(), "other_mediator": other_med, "filer": filer, "org_admin": admin}[who]
    for action in ("accept", "decline"):
        response = client.post(f"{MP}/cases/{case.id}/mediator/{action}", json={}, headers=login(caller))
        assert (response.status_code, response.get_json()["reason"]) == (status, reason)
    assert status_of(case.id) == "assigned"


def test_accepting_twice_is_a_conflict(client, org):
    case = dispute(org=org)
    med, profile = mediator(org)
    offer(case, profile, case_status="assigned")
    assert client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med)).status_code == 200
    again = client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med))
    assert again.status_code == 409 and again.get_json()["errors"]["status"] == ["mediator_accepted"]


def test_a_mediator_removed_from_the_org_cannot_accept(client, org):
    case = dispute(org=org)
    med, profile = mediator(org)
    offer(case, profile, case_status="assigned")
    from app.identity.organization_models import OrgMembership

    db.session.scalar(select(OrgMembership).filter_by(user_id=med.id)).active = False
    db.session.commit()
    assert client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med)).status_code == 404


@pytest.mark.parametrize(
    "make_unavailable",
    [
        lambda p: setattr(p, "accepting", False),
        lambda p: setattr(p, "max_load", 1),  # the one pending offer below fills it
    ],
    ids=["not_accepting", "full"],
)
def test_unavailable_mediators_cannot_be_chosen(client, org, make_unavailable):
    filer = make_user(real_name="张三")
    case = dispute(org=org, filer=filer)
    _med, profile = mediator(org)
    offer(dispute(org=org), profile)
    make_unavailable(profile)
    db.session.commit()
    response = client.post(
        f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(profile.id)}, headers=login(filer)
    )
    assert response.status_code == 422 and "mediator_id" in response.get_json()["errors"]
    assert status_of(case.id) == "submitted"


def test_mediators_of_other_orgs_and_strangers(client, org):
    filer = make_user(real_name="张三")
    case = dispute(org=org, filer=filer)
    _m, foreign = mediator(make_org(name="别的调委会"))
    response = client.post(
        f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(foreign.id)}, headers=login(filer)
    )
    assert response.status_code == 422
    _m, own = mediator(org)
    other_admin = make_user()
    grant(other_admin, role="org_admin", org=make_org(name="第三调委会"))
    for caller in (make_user(), other_admin):
        refused = client.post(
            f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(own.id)}, headers=login(caller)
        )
        assert refused.status_code == 404


def test_a_court_dispute_goes_to_a_linked_org(client):
    court, linked, unlinked = make_court(), make_org(name="法院特邀调解室"), make_org(name="无关调委会")
    link(linked, court)
    filer = make_user(real_name="张三")
    case = dispute(court=court, filer=filer)
    _m, in_linked = mediator(linked)
    _m, in_unlinked = mediator(unlinked)
    recs = client.get(f"{MP}/cases/{case.id}/mediator-recommendations", headers=login(filer)).get_json()
    assert [r["id"] for r in recs] == [str(in_linked.id)]
    refused = client.post(
        f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(in_unlinked.id)}, headers=login(filer)
    )
    assert refused.status_code == 422
    chosen = client.post(
        f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(in_linked.id)}, headers=login(filer)
    )
    assert chosen.status_code == 201
    assert db.session.get(Case, case.id).org_id == linked.id  # now it sits with that organisation


def test_start_mediation_moves_an_accepted_case_once(org):
    case = dispute(org=org)
    med, profile = mediator(org)
    offer(case, profile, status="accepted", case_status="mediator_accepted")
    actor = principal(med)
    assert mediation_assignment.start_mediation(case, actor=actor) is True
    db.session.commit()
    assert mediation_assignment.start_mediation(case=case, actor=actor) is False
    assert status_of(case.id) == "in_mediation"
    assert [e.type for e in events(case.id)].count("mediation.started") == 1


def test_the_answers_carry_the_mediators_load_as_the_directory_counts_it(client, org):
    """choose (a new offer, one superseding an offer to the same mediator, one to another), accept and decline
    answer with the load the directory reads after the commit (choose and accept no longer read it again)."""
    from app.mediation import directory

    filer = make_user(real_name="张三")
    med, profile = mediator(org)
    other_user, other = mediator(org, name="李调解")
    offer(dispute(org=org), profile, status="accepted", case_status="in_mediation")  # already carried: 1

    def load_of(p) -> int:
        db.session.expire_all()
        return directory.active_loads([p.user_id]).get(p.user_id, 0)

    def choose(case, p):
        answer = client.post(f"{MP}/cases/{case.id}/mediator", json={"mediator_id": str(p.id)}, headers=login(filer))
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["mediator"]["active_load"]

    case = dispute(org=org, filer=filer)
    assert choose(case, profile) == load_of(profile) == 2
    assert choose(case, profile) == load_of(profile) == 2  # the earlier offer to them is superseded
    assert choose(case, other) == load_of(other) == 1 and load_of(profile) == 1
    accepted = client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(other_user))
    assert accepted.get_json()["mediator"]["active_load"] == load_of(other) == 1
    declining = dispute(org=org, filer=filer)
    assert choose(declining, profile) == load_of(profile) == 2
    declined = client.post(f"{MP}/cases/{declining.id}/mediator/decline", json={}, headers=login(med))
    assert declined.get_json()["mediator"]["active_load"] == load_of(profile) == 1
