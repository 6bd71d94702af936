"""Staff unmasking of a party's PII over HTTP: both routes, no-store, the error shape, the shared rate limit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import CaseParty
from app.extensions import db
from tests.support.cases import RESPONDENT_ID, file_case
from tests.support.factories import grant, login, make_court, make_org, make_user

MP, COURT = "/api/mp/v1", "/api/court/v1"
SHAPE = {"code", "status", "reason", "message", "errors", "request_id"}
BODY = {"reason": "送达前核实当事人联系方式"}


@pytest.fixture
def world(app, clock):
    court, org = make_court(), make_org()
    clerk, mediator = make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(mediator, role="mediator", org=org)
    case = file_case(make_user(real_name="张三"), court=court, org=org)
    case.mediator_user_id = mediator.id
    db.session.commit()
    respondent = db.session.scalar(select(CaseParty).filter_by(case_id=case.id, role="respondent"))
    return {"court": court, "case": case, "party": respondent, "clerk": clerk, "mediator": mediator}


def url(prefix: str, world: dict, *, case_id=None, party_id=None) -> str:
    case_id, party_id = case_id or world["case"].id, party_id or world["party"].id
    return f"{prefix}/cases/{case_id}/parties/{party_id}/disclose"


def unmasked() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == "pii.unmasked"))


@pytest.mark.parametrize(("prefix", "who"), [(COURT, "clerk"), (MP, "mediator")])
def test_each_route_answers_in_full_and_is_never_cached(client, world, prefix, who):
    response = client.post(url(prefix, world), json=BODY, headers=login(world[who]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "party_id": str(world["party"].id),
        "name": "李四",
        "phone": "+8613800000009",
        "id_number": RESPONDENT_ID,
        "disclosed_at": "2026-11-02T02:00:00+00:00",
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert unmasked() == 1


def test_the_case_detail_stays_masked_for_the_same_staff(client, world):
    client.post(url(COURT, world), json=BODY, headers=login(world["clerk"]))
    detail = client.get(f"{MP}/cases/{world['case'].id}", headers=login(world["clerk"])).get_json()
    respondent = next(p for p in detail["parties"] if p["role"] == "respondent")
    assert respondent["phone"] == "138****0009" and respondent["id_number"] != RESPONDENT_ID


def test_strangers_and_unknown_ids_get_the_same_404(client, world):
    stranger = make_user()
    other = file_case(make_user(real_name="王五"), court=world["court"])
    elsewhere = db.session.scalar(select(CaseParty.id).filter_by(case_id=other.id, role="respondent"))
    calls = [
        (url(COURT, world), login(stranger)),
        (url(MP, world), login(stranger)),
        (url(COURT, world, case_id=uuid.uuid4()), login(world["clerk"])),
        (url(COURT, world, party_id=uuid.uuid4()), login(world["clerk"])),
        (url(COURT, world, party_id=elsewhere), login(world["clerk"])),
    ]
    bodies = []
    for path, headers in calls:
        response = client.post(path, json=BODY, headers=headers)
        assert response.status_code == 404 and set(response.get_json()) == SHAPE
        bodies.append({k: v for k, v in response.get_json().items() if k != "request_id"})
    assert all(body == bodies[0] for body in bodies) and bodies[0]["reason"] == "case.not_found"
    assert unmasked() == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": "  核实 "}, {"reason": "x" * 301}, {"reason": "核实身份", "party_id": "x"}, {"reason": 5}],
)
def test_a_bad_reason_is_422_on_the_field(client, world, body):
    response = client.post(url(COURT, world), json=body, headers=login(world["clerk"]))
    assert response.status_code == 422 and set(response.get_json()) == SHAPE
    assert set(response.get_json()["errors"]) & {"reason", "party_id"}
    assert unmasked() == 0


def test_the_limit_is_per_person_across_both_routes_in_the_one_shape(app, client, world):
    app.config["PII_DISCLOSURE_LIMIT_PER_USER"] = "2/hour"
    grant(world["mediator"], role="clerk", court=world["court"])  # may use either route
    headers = login(world["mediator"])
    statuses = [client.post(url(p, world), json=BODY, headers=headers).status_code for p in (COURT, MP)]
    limited = client.post(url(MP, world), json=BODY, headers=headers)
    assert statuses == [200, 200] and limited.status_code == 429
    assert set(limited.get_json()) == SHAPE and limited.get_json()["reason"] == "rate.limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert unmasked() == 2
    # the limit is the person's: the court's clerk is still heard
    assert client.post(url(COURT, world), json=BODY, headers=login(world["clerk"])).status_code == 200
