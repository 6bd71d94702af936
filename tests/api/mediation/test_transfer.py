"""A failed mediation moves on to a litigation filing that carries the parties over."""

import uuid

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseConsent, CaseParty
from app.extensions import db
from tests.api.mediation.helpers_outcome import MP, dispute, events, mediator, offer, status_of
from tests.support.cases import RESPONDENT_ID
from tests.support.factories import login, make_court, make_org, make_user


@pytest.fixture
def failed(app):
    org = make_org()
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=org, filer=filer, respondent=respondent)
    med, profile = mediator(org)
    offer(case, profile, status="accepted", case_status="failed")
    return {"case": case, "filer": filer, "respondent": respondent, "mediator": med, "court": make_court()}


def _transfer(client, f, user, court=None):
    court_id = str((court or f["court"]).id)
    return client.post(
        f"{MP}/cases/{f['case'].id}/transfer-to-litigation", json={"court_id": court_id}, headers=login(user)
    )


def test_the_applicant_takes_the_failed_mediation_to_court(client, failed):
    response = _transfer(client, failed, failed["filer"])
    assert response.status_code == 201, response.get_json()
    filing = response.get_json()
    assert filing["kind"] == "litigation" and filing["status"] == "submitted"
    assert filing["origin_case_id"] == str(failed["case"].id) and filing["court"]["id"] == str(failed["court"].id)
    assert filing["title"] == failed["case"].title and filing["amount"] == "12000.00"
    roles = {p["name"]: (p["role"], p["is_me"], p["joined"]) for p in filing["parties"]}
    assert roles == {"张三": ("plaintiff", True, True), "李四": ("defendant", False, False)}
    defendant = next(p for p in filing["parties"] if p["name"] == "李四")
    assert defendant["id_number"] == RESPONDENT_ID[:3] + "*" * 11 + RESPONDENT_ID[-4:]  # carried over, still masked
    new_id = uuid.UUID(filing["id"])
    stored = db.session.scalar(select(CaseParty).where(CaseParty.case_id == new_id, CaseParty.name == "李四"))
    original = db.session.scalar(
        select(CaseParty).where(CaseParty.case_id == failed["case"].id, CaseParty.name == "李四")
    )
    assert stored.id_number_index == original.id_number_index and stored.phone_enc == original.phone_enc
    consent = db.session.scalar(select(CaseConsent).where(CaseConsent.case_id == new_id))
    assert consent.kind == "e_service" and consent.given and consent.method == "carried_over"
    assert status_of(failed["case"].id) == "failed"
    last = events(failed["case"].id)[-1]
    assert last.type == "mediation.transferred_to_litigation" and last.data["litigation_case_id"] == str(new_id)
    assert last.to_status is None
    assert [e.type for e in events(new_id)] == ["case.filed"]
    assert db.session.get(Case, new_id).filed_by_user_id == failed["filer"].id


def test_the_respondent_may_sue_too_and_becomes_the_plaintiff(client, failed):
    response = _transfer(client, failed, failed["respondent"])
    assert response.status_code == 201, response.get_json()
    roles = {p["name"]: p["role"] for p in response.get_json()["parties"]}
    assert roles == {"张三": "defendant", "李四": "plaintiff"}


def test_one_live_transfer_per_dispute(client, failed):
    assert _transfer(client, failed, failed["filer"]).status_code == 201
    again = _transfer(client, failed, failed["respondent"])
    assert (again.status_code, again.get_json()["reason"]) == (409, "mediation.already_transferred")
    assert db.session.scalars(select(Case).where(Case.origin_case_id == failed["case"].id)).all().__len__() == 1


@pytest.mark.parametrize("state", ["in_mediation", "settled", "withdrawn", "confirmation_rejected"])
def test_only_a_failed_mediation_is_transferred(client, failed, state):
    db.session.get(Case, failed["case"].id).status = state
    db.session.commit()
    response = _transfer(client, failed, failed["filer"])
    assert response.status_code == 409 and response.get_json()["errors"]["status"] == [state]
    assert events(failed["case"].id)[-1].type != "mediation.transferred_to_litigation"


def test_who_may_transfer(client, failed):
    assert _transfer(client, failed, make_user(real_name="王五")).status_code == 404
    refused = _transfer(client, failed, failed["mediator"])
    assert (refused.status_code, refused.get_json()["reason"]) == (403, "mediation.not_a_party")


def test_the_court_must_exist_and_the_plaintiff_be_verified(client, failed):
    from app.identity.organization_models import Court

    closed = make_court()
    db.session.get(Court, closed.id).active = False
    db.session.commit()
    response = _transfer(client, failed, failed["filer"], court=closed)
    assert response.status_code == 422 and "court_id" in response.get_json()["errors"]
    unverified = make_user()
    party = db.session.scalar(select(CaseParty).filter_by(case_id=failed["case"].id, role="applicant"))
    party.user_id = unverified.id
    db.session.commit()
    response = _transfer(client, failed, unverified)
    assert response.status_code == 422 and "parties" in response.get_json()["errors"]
    assert db.session.scalar(select(Case).where(Case.kind == "litigation")) is None
