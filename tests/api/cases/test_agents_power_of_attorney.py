"""The power of attorney named when a lawyer is appointed: the represented party's stored evidence the caller sees."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from sqlalchemy import func, select

from app.agents import appointments as case_agents
from app.cases.models import CaseAgent, CaseParty
from app.errors import ValidationFailed
from app.evidence.models import EvidenceItem
from app.extensions import db
from app.identity import login_sessions as sessions
from app.utils import clock
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_org, make_user

MP = "/api/mp/v1"
FIELD = "power_of_attorney_evidence_id"
_order = itertools.count(1)


@pytest.fixture
def world(app):
    """张三 v. 李四 (both joined), a verified lawyer, and another case of 张三's."""
    filer, respondent, lawyer = make_user(real_name="张三"), make_user(real_name="李四"), make_user(real_name="王律师")
    grant(lawyer, role="lawyer")
    org = make_org()
    case, other_case = file_case(filer, org=org), file_case(filer, org=org)
    parties = {p.role: p for p in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))}
    parties["respondent"].user_id = respondent.id
    db.session.commit()
    other_applicant = db.session.scalar(
        select(CaseParty).where(CaseParty.case_id == other_case.id, CaseParty.role == "applicant")
    )
    return {
        "filer": filer,
        "respondent": respondent,
        "lawyer": lawyer,
        "case": case,
        "applicant": parties["applicant"],
        "respondent_party": parties["respondent"],
        "other_case": other_case,
        "other_applicant": other_applicant,
    }


def evidence(party: CaseParty, by, *, status: str = "stored", submitted: bool = False) -> uuid.UUID:
    """An evidence row as the upload flow leaves it (the files themselves play no part in this rule)."""
    key = uuid.uuid4().hex
    now = clock.now()
    item = EvidenceItem(
        case_id=party.case_id,
        party_id=party.id,
        uploaded_by_user_id=by.id,
        status=status,
        catalogue_order=next(_order),
        title="授权委托书",
        category="其他",
        purpose="委托代理",
        filename="授权委托书.pdf",
        declared_type="application/pdf",
        declared_size=1000,
        declared_sha256="a" * 64,
        upload_key=f"cases/{party.case_id}/evidence/{key}.upload",
        object_key=f"cases/{party.case_id}/evidence/{key}" if status == "stored" else None,
        upload_expires_at=now + dt.timedelta(minutes=15),
        stored_at=now if status == "stored" else None,
        submitted_at=now if submitted else None,
    )
    db.session.add(item)
    db.session.commit()
    return item.id


def appoint(world, evidence_id, *, actor_user=None, party=None):
    """The party (or, with actor_user=lawyer, the lawyer asking) names the lawyer with this power of attorney."""
    actor = sessions.load_principal(actor_user or world["filer"])
    return case_agents.add_agent(
        case_id=world["case"].id,
        party_id=(party or world["applicant"]).id,
        authority="special",
        lawyer_user_id=world["lawyer"].id,
        power_of_attorney_evidence_id=evidence_id,
        actor=actor,
    )


def refused(world, evidence_id, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        appoint(world, evidence_id, **kwargs)
    db.session.rollback()
    assert set(caught.value.errors) == {FIELD}
    assert db.session.scalar(select(func.count()).select_from(CaseAgent)) == 0  # nothing written
    return caught.value


def test_the_partys_own_stored_item_is_accepted_even_before_it_is_submitted(world):
    own_draft = evidence(world["applicant"], world["filer"])
    agent = appoint(world, own_draft)
    assert agent["status"] == "active" and agent[FIELD] == own_draft
    assert db.session.get(CaseAgent, agent["id"]).power_of_attorney_evidence_id == own_draft


def test_no_power_of_attorney_at_all_is_still_fine(world):
    assert appoint(world, None)[FIELD] is None


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_an_item_not_stored_is_refused_with_its_state(world, status):
    error = refused(world, evidence(world["applicant"], world["filer"], status=status))
    assert error.reason == "agent.power_of_attorney_not_stored"
    assert status in error.errors[FIELD][0]


def test_unknown_deleted_foreign_and_unseen_items_get_one_answer(world):
    unknown = uuid.uuid4()
    deleted = evidence(world["applicant"], world["filer"], status="deleted")
    other_case = evidence(world["other_applicant"], world["filer"])  # the same user's, but another case's
    others_draft = evidence(world["respondent_party"], world["respondent"])  # private to the respondent's side
    errors = [refused(world, item) for item in (unknown, deleted, other_case, others_draft)]
    answers = {(error.reason, tuple(error.errors[FIELD])) for error in errors}
    assert answers == {("agent.power_of_attorney_not_found", ("No such evidence in this case.",))}


def test_another_partys_item_is_refused_even_when_the_caller_sees_it(world):
    shared = evidence(world["respondent_party"], world["respondent"], submitted=True)  # visible to the applicant
    error = refused(world, shared)
    assert error.reason == "agent.power_of_attorney_wrong_party"
    assert error.errors[FIELD] == ["The power of attorney must be evidence of the party the lawyer acts for."]
    own = evidence(world["applicant"], world["filer"], submitted=True)  # the applicant's, visible to the respondent
    error = refused(world, own, actor_user=world["respondent"], party=world["respondent_party"])
    assert error.reason == "agent.power_of_attorney_wrong_party"
    respondents_own = evidence(world["respondent_party"], world["respondent"])
    agent = appoint(world, respondents_own, actor_user=world["respondent"], party=world["respondent_party"])
    assert agent["status"] == "active" and agent[FIELD] == respondents_own


def test_a_lawyer_asking_cannot_name_the_partys_private_draft(world):
    draft = evidence(world["applicant"], world["filer"])
    error = refused(world, draft, actor_user=world["lawyer"])
    assert error.reason == "agent.power_of_attorney_not_found"  # the lawyer is no one to this case yet
    asked = appoint(world, None, actor_user=world["lawyer"])
    assert asked["status"] == "pending_confirmation"


def test_over_http_the_field_names_the_problem_and_other_cases_cannot_be_probed(client, world):
    headers = login(world["filer"])
    url = f"{MP}/cases/{world['case'].id}/agents"
    body = {"party_id": str(world["applicant"].id), "authority": "general", "lawyer_user_id": str(world["lawyer"].id)}
    foreign = evidence(world["other_applicant"], world["filer"])
    answers = [
        client.post(url, json={**body, FIELD: str(evidence_id)}, headers=headers)
        for evidence_id in (foreign, uuid.uuid4())
    ]
    for response in answers:
        assert response.status_code == 422 and set(response.json["errors"]) == {FIELD}, response.json
    strip = lambda r: {k: v for k, v in r.json.items() if k != "request_id"}  # noqa: E731
    assert strip(answers[0]) == strip(answers[1])
    pending = evidence(world["applicant"], world["filer"], status="pending")
    not_yet = client.post(url, json={**body, FIELD: str(pending)}, headers=headers)
    assert not_yet.status_code == 422 and not_yet.json["reason"] == "agent.power_of_attorney_not_stored"
    theirs = evidence(world["respondent_party"], world["respondent"], submitted=True)
    wrong = client.post(url, json={**body, FIELD: str(theirs)}, headers=headers)
    assert wrong.status_code == 422 and wrong.json["reason"] == "agent.power_of_attorney_wrong_party"
    assert set(wrong.json["errors"]) == {FIELD}
    stored = evidence(world["applicant"], world["filer"])
    done = client.post(url, json={**body, FIELD: str(stored)}, headers=headers)
    assert done.status_code == 201 and done.json[FIELD] == str(stored)
