"""The case detail read as columns, its next session and deadlines folded into one statement (issue 18, session 10).

`case_detail` reads the case, its court, organisation, open correction, parties and their agents as columns (not ORM
objects) in one statement, and the next session and the deadlines (the mediation clock, the agreement's confirmation
window, the court's confirmation deadlines) are outer-joined into the statement that reads the caller's consents and
the counts. Here, for every kind of caller and each state that has deadlines, the answer is compared byte for byte
with `describe` (which reads the same parts as ORM objects and by separate statements) and its sections with reads
written out separately, as they were before the fold; and the detail's statements are counted.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.cases import access as case_access
from app.cases import queries as case_queries
from app.cases.models import CaseAgent
from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity.models import User
from app.mediation import deadlines
from app.mediation.models import JudicialConfirmation, MediationAgreement, MediatorAssignment
from app.scheduling.models import MediationSession
from app.utils import clock as app_clock
from miniprogram_api.schemas.cases import CaseDetailOut
from tests.api.cases.test_agents_power_of_attorney import evidence
from tests.api.mediation.helpers_outcome import (
    agreement,
    applicant_party,
    confirmation,
    dispute,
    link,
    mediator,
    offer,
    respondent_party,
)
from tests.api.service.support import add_lawyer, push, service_world
from tests.integration.test_statement_budgets import counting
from tests.support.factories import grant, login, make_court, make_org, make_user
from tests.support.scheduling import MP, book, local
from tests.support.scheduling import add_lawyer as add_case_lawyer
from tests.support.scheduling import lawyer as make_lawyer

DAY = "2026-11-10"  # the test clock stands at 2026-11-02 10:00 Shanghai
# auth 1; the case with its court, organisation, open correction, parties and their agents 1 (a row per party and
# agent); the caller's consents with the evidence and document counts, the next session and the deadlines' row 1
# (was 6: the agents, the next session and the deadlines each on their own).
DETAIL_STATEMENTS = 3


def next_session_alone(case_id) -> dict | None:
    """The next session as its own statement read it before the fold."""
    session = db.session.scalar(
        select(MediationSession)
        .where(
            MediationSession.case_id == case_id,
            MediationSession.status == "scheduled",
            MediationSession.ends_at > app_clock.now(),
        )
        .order_by(MediationSession.starts_at)
        .limit(1)
    )
    if session is None:
        return None
    shanghai = app_clock.SHANGHAI
    return {
        "id": str(session.id),
        "starts_at": session.starts_at.astimezone(shanghai).isoformat(),
        "ends_at": session.ends_at.astimezone(shanghai).isoformat(),
        "mode": session.mode,
        "location": session.location,
        "meeting_url": session.meeting_url,
        "kind": session.kind,
    }


def deadlines_alone(case) -> list[dict]:
    """The deadlines as their own statements read them before the fold."""
    iso = lambda value: value.astimezone(app_clock.SHANGHAI).isoformat() if value else None  # noqa: E731
    if case.kind != "mediation":
        return []
    if case.status in deadlines.CLOCK_RUNNING:
        assignment = db.session.scalar(
            select(MediatorAssignment).where(
                MediatorAssignment.case_id == case.id, MediatorAssignment.status == "accepted"
            )
        )
        if assignment is None or assignment.due_at is None or assignment.accepted_at is None:
            return []
        return [
            {
                "type": "mediation_period",
                "due_at": iso(assignment.due_at),
                "warn_at": iso(assignment.warn_at),
                "calendar_covered": True,
                "explanation": deadlines.clock_explanation(assignment.accepted_at),
            }
        ]
    if case.status == "settled":
        row = db.session.scalar(select(MediationAgreement).where(MediationAgreement.case_id == case.id))
        if row is None or row.effective_at is None:
            return []
        window = deadlines.application_window(row.effective_at)
        return [
            {
                "type": "judicial_confirmation_application",
                "due_at": iso(window.ends_at),
                "calendar_covered": window.calendar_covered,
                "explanation": window.explanation(),
            }
        ]
    if case.status == "judicial_confirmation_requested":
        application = db.session.scalar(select(JudicialConfirmation).where(JudicialConfirmation.case_id == case.id))
        if application is None:
            return []
        plain = lambda kind, due: [  # noqa: E731
            {"type": kind, "due_at": iso(due), "calendar_covered": True, "explanation": []}
        ]
        if application.status == "submitted" and application.accept_due_at:
            return plain("judicial_confirmation_acceptance", application.accept_due_at)
        if application.status == "accepted" and application.decide_due_at:
            return plain("judicial_confirmation_decision", application.decide_due_at)
    return []


def dumped(view: dict) -> str:
    return json.dumps(CaseDetailOut().dump(view), ensure_ascii=False, sort_keys=True)


def check_every_caller(case_id, users: dict[str, User]) -> dict[str, dict]:
    """Each caller's detail equals `describe`'s (ORM objects) byte for byte, and its sections the separate reads."""
    answers = {}
    actors = {who: sessions.load_principal(user) for who, user in users.items()}
    for who, actor in actors.items():
        db.session.expunge_all()  # the detail reads everything itself
        merged = case_queries.case_detail(case_id=case_id, actor=actor)
        db.session.expunge_all()
        case, facts = case_access.load(case_id, actor=actor)
        assert dumped(merged) == dumped(case_queries.describe(case, facts, actor=actor)), who
        assert merged["next_session"] == next_session_alone(case_id), who
        assert merged["deadlines"] == deadlines_alone(case), who
        answers[who] = merged
    return answers


@pytest.fixture
def mediation(client, clock):
    """A mediation with its clock running: 2 parties, a lawyer, evidence, a booked session; and its people."""
    court, org = make_court(), make_org()
    link(org, court)
    med, profile = mediator(org)
    admin = make_user(real_name="管理员")
    grant(admin, role="org_admin", org=org)
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=org, court=court, filer=filer, respondent=respondent)
    accepted = offer(case, profile, status="accepted", case_status="in_mediation")
    accepted.due_at, accepted.warn_at = deadlines.mediation_clock(accepted.accepted_at)
    db.session.commit()
    counsel, second = make_lawyer(), make_lawyer("钱律师")
    add_case_lawyer(case, counsel)
    add_case_lawyer(case, second, role="applicant")  # agents on both parties: listed in the order appointed
    evidence(respondent_party(case), respondent, submitted=True)
    evidence(applicant_party(case), filer, submitted=True)
    assert book(client, case, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    people = {
        "filer": filer,
        "respondent": respondent,
        "lawyer": counsel,
        "applicant's lawyer": second,
        "mediator": med,
        "org admin": admin,
    }
    return case, people


def test_each_callers_detail_with_the_clock_and_the_next_session(mediation):
    case, people = mediation
    answers = check_every_caller(case.id, people)
    appointed = list(
        db.session.scalars(select(CaseAgent.id).where(CaseAgent.case_id == case.id).order_by(CaseAgent.created_at))
    )
    for answer in answers.values():
        assert answer["next_session"] is not None and answer["deadlines"][0]["type"] == "mediation_period"
        assert [agent["id"] for agent in answer["agents"]] == appointed


@pytest.mark.parametrize("state", ["settled", "submitted", "accepted", "no application", "no agreement"])
def test_each_callers_detail_in_the_states_after_the_clock(mediation, state):
    case, people = mediation
    if state != "no agreement":
        row = agreement(case)
        if state in ("submitted", "accepted"):
            application = confirmation(case, row, status=state)
            application.accept_due_at = app_clock.now() + dt.timedelta(days=3)
            application.decide_due_at = app_clock.now() + dt.timedelta(days=30) if state == "accepted" else None
    case.status = "settled" if state in ("settled", "no agreement") else "judicial_confirmation_requested"
    db.session.commit()
    answers = check_every_caller(case.id, people)
    expected = {
        "settled": ["judicial_confirmation_application"],
        "submitted": ["judicial_confirmation_acceptance"],
        "accepted": ["judicial_confirmation_decision"],
        "no application": [],
        "no agreement": [],
    }[state]
    assert [entry["type"] for entry in answers["filer"]["deadlines"]] == expected


def test_each_callers_detail_of_a_litigation_case_with_a_served_document(client):
    world = service_world()
    counsel, _headers = add_lawyer(world)
    add_lawyer(world, status="pending_confirmation")  # listed too, after the active one
    add_lawyer(world, status="revoked")  # not listed
    assert push(client, world).status_code == 201
    evidence(world.respondent, world.respondent_user, submitted=True)
    people = {
        "filer": world.people["filer"],
        "respondent": world.respondent_user,
        "lawyer": counsel,
        "clerk": world.people["clerk"],
    }
    answers = check_every_caller(world.case.id, people)
    assert answers["clerk"]["counts"]["documents"] == 1 and answers["filer"]["deadlines"] == []
    assert [agent["status"] for agent in answers["clerk"]["agents"]] == ["active", "pending_confirmation"]


def test_the_detail_is_four_statements_with_its_sections_folded(client, mediation):
    case, people = mediation
    headers = login(people["respondent"])
    assert client.get(f"{MP}/cases/{case.id}", headers=headers).status_code == 200  # warm
    db.session.expunge_all()  # a request starts with an empty session, as in production
    with counting() as count:
        answer = client.get(f"{MP}/cases/{case.id}", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["next_session"] is not None and body["deadlines"] and body["consents"] is not None
    assert len(count.statements) <= DETAIL_STATEMENTS, count
    assert not [s for s in count.statements if "FROM mediation_sessions" in s and "case_consents" not in s], count
    assert not [s for s in count.statements if "FROM case_agents" in s and "FROM cases" not in s], count
