"""Asking for access never reveals whether an object exists: a stranger's answer is the unknown id's, byte for byte.

A verified lawyer outside a case may ask to act for one of its parties, naming the case and the party the party
gave them. Without that pair (a wrong party, another case's party) or on a case that takes no agents, the lawyer
learns nothing: the answer is the one an unknown case id gets, status, reason and message alike.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseParty
from app.extensions import db
from tests.support.cases import file_case
from tests.support.factories import grant, login, make_org, make_user

MP = "/api/mp/v1"
UNKNOWN = uuid.UUID("00000000-0000-7000-8000-00000000abcd")


@pytest.fixture
def lawyer():
    user = make_user(real_name="王律师")
    grant(user, role="lawyer")
    return user


def _party(case: Case, role: str = "applicant") -> CaseParty:
    return db.session.scalars(select(CaseParty).filter_by(case_id=case.id, role=role)).one()


def _ask(client, lawyer, case_id, party_id) -> tuple[int, dict]:
    body = {"lawyer_user_id": str(lawyer.id), "party_id": str(party_id), "authority": "general"}
    response = client.post(f"{MP}/cases/{case_id}/agents", json=body, headers=login(lawyer))
    answer = response.get_json()
    answer.pop("request_id", None)  # the one part of an error that differs per request
    return response.status_code, answer


def test_a_lawyer_outside_the_case_cannot_tell_it_exists(client, lawyer):
    org = make_org()
    case, other = file_case(org=org), file_case(org=org)
    closed = file_case(org=org)
    closed.status = "withdrawn"
    db.session.commit()

    unknown = _ask(client, lawyer, UNKNOWN, _party(case).id)
    assert unknown[0] == 404 and unknown[1]["reason"] == "case.not_found"
    probes = {
        "unknown case, unknown party": (UNKNOWN, UNKNOWN),
        "real case, unknown party": (case.id, UNKNOWN),
        "real case, another case's party": (case.id, _party(other).id),
        "closed case, its own party": (closed.id, _party(closed).id),
    }
    for name, (case_id, party_id) in probes.items():
        assert _ask(client, lawyer, case_id, party_id) == unknown, name


def test_with_the_pair_the_party_gave_the_request_is_recorded(client, lawyer):
    case = file_case(org=make_org())
    status, answer = _ask(client, lawyer, case.id, _party(case).id)
    assert status == 201 and answer["status"] == "pending_confirmation"


def test_a_reader_of_the_case_still_hears_what_is_wrong(client):
    """The filing party sees the case: a party id of another case is a 422 naming the field, as before."""
    filer = make_user(real_name="张三")
    org = make_org()
    case, other = file_case(filer, org=org), file_case(org=org)
    lawyer = make_user(real_name="赵律师")
    grant(lawyer, role="lawyer")
    body = {"lawyer_user_id": str(lawyer.id), "party_id": str(_party(other).id), "authority": "general"}
    response = client.post(f"{MP}/cases/{case.id}/agents", json=body, headers=login(filer))
    assert response.status_code == 422 and response.get_json()["reason"] == "agent.party_not_found"
