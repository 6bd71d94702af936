"""The mediation's and invitations' writes read the case with its facts in one statement (issue 18).

`app/mediation/case_facts.py` outer-joins the case's connections to its row: the same case, facts and 404 as
`app.cases.access.load`, locked or not; an invitation's acceptance reads the facts with the invited party and
its sessions ahead, so every connection and session repeats across the rows and must count once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.cases import Case, CaseParty
from app.cases import access as case_access
from app.errors import NotFound
from app.extensions import db
from app.mediation import assignment as mediation_assignment
from app.mediation import case_facts
from app.mediation import delegation as mediation_delegation
from app.mediation.models import MediatorAssignment
from app.scheduling.models import SessionReminder
from tests.api.mediation.helpers_outcome import dispute, offer
from tests.api.mediation.helpers_outcome import mediator as outcome_mediator
from tests.api.mediation.test_invitations import invite, respondent, the_person_named_in_the_filing
from tests.integration.test_statement_budgets import counting
from tests.support.factories import login, make_org
from tests.support.review import principal
from tests.support.scheduling import MP, add_lawyer, book, join, lawyer, local, mediation_case, mediator, person


def test_the_case_and_its_facts_as_access_load_reads_them_in_one_statement(app):
    med, filer, third, counsel = mediator(), person("张三"), person("王五"), lawyer()
    case = mediation_case(mediator_user=med, filer=filer)
    join(case, third, role="third_party")
    add_lawyer(case, counsel)
    case_id = case.id
    for user in (med, filer, third, counsel):
        actor = principal(user)
        expected = case_access.load(case_id, actor=actor)
        for lock in (False, True):
            db.session.expire_all()
            with counting() as count:
                got = case_facts.load(case_id, actor=actor, lock=lock)
            assert len(count.statements) == 1
            assert got[0] is expected[0] and got[1] == expected[1]
            db.session.rollback()
    bare = mediation_case(mediator_user=med)  # no agent; its filer joined
    assert case_facts.load(bare.id, actor=principal(med))[1] == case_access.load(bare.id, actor=principal(med))[1]
    for stranger_case in (case.id, bare.id):
        with pytest.raises(NotFound) as refused:
            case_facts.load(stranger_case, actor=principal(person("路人")), lock=True)
        assert refused.value.reason == case_access.CASE_NOT_FOUND


def test_a_case_without_any_connection_still_answers_its_facts(app):
    med = mediator()
    case = mediation_case(mediator_user=med)
    db.session.execute(update(CaseParty).where(CaseParty.case_id == case.id).values(user_id=None))
    db.session.commit()  # nobody joined: the outer join gives one row of NULLs
    loaded, facts = case_facts.load(case.id, actor=principal(med), lock=True)
    assert loaded.id == case.id and facts.party_users == {} and facts.agent_lawyers == {}
    assert facts == case_access.load(case.id, actor=principal(med))[1]


def test_the_undelegated_mark_spares_the_delegation_read_in_its_own_transaction_only(app):
    case = mediation_case(mediator_user=mediator(), status="in_mediation")
    for rolled_back in (False, True):
        mediation_delegation.known_undelegated(case)
        if rolled_back:
            db.session.rollback()  # another transaction: the mark does not hold there
            case = db.session.get_one(Case, case.id)
        with counting() as count:
            mediation_delegation.on_case_ended(case, "settled", None)
        assert len(count.statements) == (1 if rolled_back else 0)  # the accepted delegation read (none here)
        assert mediation_delegation.UNDELEGATED_KEY not in db.session.info  # used once


def test_the_named_party_joining_with_several_connections_is_reminded_of_each_session_once(client, clock):
    med, third, counsel = mediator(), person("王五"), lawyer()
    case = mediation_case(mediator_user=med)
    join(case, third, role="third_party")
    add_lawyer(case, counsel, role="applicant")  # three connections: the filer, the third party, the lawyer
    first = book(client, case, med, local("2026-11-10", "09:00"), local("2026-11-10", "10:00")).get_json()
    second = book(client, case, med, local("2026-11-11", "09:00"), local("2026-11-11", "10:00")).get_json()
    token = invite(client, case, med, party_id=str(respondent(case).id)).get_json()["token"]
    named = the_person_named_in_the_filing()
    joined = client.post(f"{MP}/invitations/{token}/accept", headers=login(named))
    assert joined.status_code == 200, joined.get_json()
    mine = db.session.scalars(select(SessionReminder).where(SessionReminder.user_id == named.id)).all()
    assert sorted((str(r.session_id), r.offset_minutes) for r in mine) == sorted(
        (session["id"], minutes) for session in (first, second) for minutes in (60, 1440)
    )
    again = client.post(f"{MP}/invitations/{token}/accept", headers=login(counsel))
    assert again.status_code == 404  # single use: taken


def test_staff_and_parties_are_still_refused_a_named_invitation(client, clock):
    med, third = mediator(), person("王五")
    case = mediation_case(mediator_user=med)
    join(case, third, role="third_party")
    party = str(respondent(case).id)
    for user, status, reason in ((third, 409, "invitation.already_party"), (med, 403, "invitation.staff_of_case")):
        token = invite(client, case, med, party_id=party).get_json()["token"]
        refused = client.post(f"{MP}/invitations/{token}/accept", headers=login(user))
        assert refused.status_code == status and refused.get_json()["reason"] == reason


def test_an_offer_answered_while_the_accept_waited_is_refused_as_before(client, monkeypatch):
    """Accept reads the offer with the case's lock, from the statement's snapshot: when another request answered
    it meanwhile, the conditional UPDATE takes nothing and the caller hears what a fresh read would have told."""
    org = make_org()
    case = dispute(org=org)
    med, profile = outcome_mediator(org)
    pending = offer(case, profile, case_status="assigned")
    pending_id, med_id = pending.id, med.id
    found = mediation_assignment._offer_with_case

    def answered_meanwhile(case_id, actor):  # as the first of two taps would have committed while this waited
        case_row, *rest = found(case_id, actor)
        db.session.execute(
            update(MediatorAssignment).where(MediatorAssignment.id == pending_id).values(status="accepted")
        )
        case_row.status, case_row.mediator_user_id = "mediator_accepted", med_id
        return (case_row, *rest)

    monkeypatch.setattr(mediation_assignment, "_offer_with_case", answered_meanwhile)
    refused = client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med))
    assert refused.status_code == 409 and refused.get_json()["reason"] == "mediation.offer_answered"
    assert refused.get_json()["errors"]["status"] == ["mediator_accepted"]


def test_accept_answers_the_mediators_load_over_all_their_cases(client):
    """The load read with the case counts the mediator's other cases too (correlated to the profile only)."""
    org = make_org()
    med, profile = outcome_mediator(org)
    for other in (dispute(org=org), dispute(org=org)):
        offer(other, profile, status="accepted", case_status="mediator_accepted")
    case = dispute(org=org)
    offer(case, profile, case_status="assigned")
    accepted = client.post(f"{MP}/cases/{case.id}/mediator/accept", headers=login(med))
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["mediator"]["active_load"] == 3
