"""Lawyers acting for parties: appointed or confirmed by the party, revocable at once, seeing the case as the party."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from app.agents import appointments as case_agents
from app.cases import withdrawal as case_actions
from app.cases.models import CaseAgent, CaseParty, TimelineEvent
from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity.models import LawyerProfile
from tests.conftest import is_postgres
from tests.support.cases import file_case, filing
from tests.support.factories import grant, login, make_org, make_user

MP = "/api/mp/v1"
THREADS = 6


@pytest.fixture
def filer():
    return make_user(real_name="张三", phone="13800000008")


@pytest.fixture
def lawyer():
    user = make_user(real_name="王律师")
    grant(user, role="lawyer")
    return user


@pytest.fixture
def case(client, filer):
    response = client.post(f"{MP}/cases", json=filing(org=make_org()), headers=login(filer))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def party(case, role):
    return next(p for p in case["parties"] if p["role"] == role)


def licence(user):
    return db.session.scalar(select(LawyerProfile.license_number).where(LawyerProfile.user_id == user.id))


def join(case, role, user):
    """Bind a user to a party (what an accepted invitation will do)."""
    row = db.session.get(CaseParty, uuid.UUID(party(case, role)["id"]))
    row.user_id = user.id
    db.session.commit()


def add(client, case, headers, **body):
    body.setdefault("authority", "general")
    return client.post(f"{MP}/cases/{case['id']}/agents", json=body, headers=headers)


def decide(client, case, agent_id, decision, headers, **body):
    return client.post(f"{MP}/cases/{case['id']}/agents/{agent_id}/{decision}", json=body, headers=headers)


def events(client, case, headers):
    return [(e["type"], e["actor_role"]) for e in client.get(f"{MP}/cases/{case['id']}/timeline", headers=headers).json]


@pytest.mark.parametrize("by", ["lawyer_user_id", "license_number"])
def test_the_party_appoints_a_lawyer_who_then_sees_the_case_as_the_party_does(client, filer, lawyer, case, by):
    who = {"lawyer_user_id": str(lawyer.id)} if by == "lawyer_user_id" else {"license_number": licence(lawyer)}
    applicant = party(case, "applicant")
    response = add(client, case, login(filer), party_id=applicant["id"], authority="special", **who)
    assert response.status_code == 201, response.json
    agent = response.json
    assert agent["status"] == "active" and agent["authority"] == "special" and agent["lawyer_name"] == "王律师"
    assert agent["power_of_attorney_verified"] is False

    as_party = client.get(f"{MP}/cases/{case['id']}", headers=login(filer)).json
    as_lawyer = client.get(f"{MP}/cases/{case['id']}", headers=login(lawyer)).json
    mine = party(as_lawyer, "applicant")
    assert mine["phone"] == "+8613800000008" and not mine["is_me"]  # the represented party's PII, unmasked
    assert party(as_lawyer, "respondent")["phone"] == "138****0009"  # the other side's stays masked
    assert party(as_lawyer, "respondent")["id_number"].count("*") == 11
    assert as_lawyer["my_relations"] == ["agent"] and as_lawyer["my_party_ids"] == [applicant["id"]]
    strip = lambda view: [{k: v for k, v in p.items() if k != "is_me"} for p in view["parties"]]  # noqa: E731
    assert strip(as_lawyer) == strip(as_party) and as_lawyer["consents"] == as_party["consents"]
    assert as_lawyer["agents"] == as_party["agents"]
    listed = client.get(f"{MP}/cases", headers=login(lawyer)).json["items"]
    assert [c["id"] for c in listed] == [case["id"]]
    assert ("agent.appointed", "party") in events(client, case, login(lawyer))


def test_a_lawyers_request_is_pending_until_the_party_confirms(client, filer, lawyer, case):
    applicant = party(case, "applicant")
    lawyer_headers = login(lawyer)
    asked = add(client, case, lawyer_headers, license_number=licence(lawyer), party_id=applicant["id"])
    assert asked.status_code == 201, asked.json
    assert asked.json["status"] == "pending_confirmation"
    assert client.get(f"{MP}/cases/{case['id']}", headers=lawyer_headers).status_code == 404  # nothing yet
    pending = client.get(f"{MP}/lawyer/cases", headers=lawyer_headers).json["items"]
    assert [(i["pending"], i["case"], i["party_name"]) for i in pending] == [(True, None, None)]

    confirmed = decide(client, case, asked.json["id"], "confirm", login(filer))
    assert confirmed.status_code == 200 and confirmed.json["status"] == "active"
    assert client.get(f"{MP}/cases/{case['id']}", headers=lawyer_headers).status_code == 200
    item = client.get(f"{MP}/lawyer/cases", headers=lawyer_headers).json["items"][0]
    assert item["pending"] is False and item["case"]["title"] == case["title"] and item["party_name"] == "张三"
    assert events(client, case, login(filer))[-2:] == [("agent.requested", "lawyer"), ("agent.confirmed", "party")]
    again = decide(client, case, asked.json["id"], "confirm", login(filer))
    assert again.status_code == 409 and again.json["errors"] == {"status": ["active"]}


def test_the_party_declines_and_the_lawyer_may_ask_again(client, filer, lawyer, case):
    applicant = party(case, "applicant")
    asked = add(client, case, login(lawyer), lawyer_user_id=str(lawyer.id), party_id=applicant["id"]).json
    declined = decide(client, case, asked["id"], "decline", login(filer), reason="已另请律师")
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert client.get(f"{MP}/cases/{case['id']}", headers=login(lawyer)).status_code == 404
    assert client.get(f"{MP}/lawyer/cases", headers=login(lawyer)).json["items"] == []
    assert decide(client, case, asked["id"], "confirm", login(filer)).status_code == 409
    retry = add(client, case, login(lawyer), lawyer_user_id=str(lawyer.id), party_id=applicant["id"])
    assert (
        retry.status_code == 201 and retry.json["id"] == asked["id"] and retry.json["status"] == "pending_confirmation"
    )
    assert db.session.scalar(select(func.count()).select_from(CaseAgent)) == 1
    declined_event = db.session.scalar(select(TimelineEvent).where(TimelineEvent.type == "agent.declined"))
    assert declined_event.reason == "已另请律师"


def test_revoking_ends_the_lawyers_access_at_once(client, filer, lawyer, case):
    lawyer_headers = login(lawyer)  # the same token before and after
    agent = add(client, case, login(filer), lawyer_user_id=str(lawyer.id), party_id=party(case, "applicant")["id"]).json
    assert client.get(f"{MP}/cases/{case['id']}", headers=lawyer_headers).status_code == 200
    revoked = decide(client, case, agent["id"], "revoke", login(filer), reason="解除委托")
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    assert client.get(f"{MP}/cases/{case['id']}", headers=lawyer_headers).status_code == 404
    assert client.get(f"{MP}/cases/{case['id']}/timeline", headers=lawyer_headers).status_code == 404
    assert client.get(f"{MP}/cases", headers=lawyer_headers).json["items"] == []
    assert client.get(f"{MP}/lawyer/cases", headers=lawyer_headers).json["items"] == []
    withdraw = client.post(f"{MP}/cases/{case['id']}/withdraw", json={"reason": "撤回"}, headers=lawyer_headers)
    assert withdraw.status_code == 404
    assert decide(client, case, agent["id"], "revoke", login(filer)).status_code == 409
    assert ("agent.revoked", "party") in events(client, case, login(filer))


def test_only_verified_lawyers_can_act(client, filer, case):
    applicant = party(case, "applicant")["id"]
    applicant_lawyer = make_user(real_name="待审律师")
    db.session.add(
        LawyerProfile(
            user_id=applicant_lawyer.id, license_number="13302201800000001", law_firm="某所", practice_region="浙江省"
        )
    )
    db.session.commit()
    plain = make_user()
    for body, field in (
        ({"lawyer_user_id": str(applicant_lawyer.id)}, "lawyer_user_id"),
        ({"license_number": "13302201800000001"}, "license_number"),
        ({"lawyer_user_id": str(plain.id)}, "lawyer_user_id"),
        ({"license_number": "no-such-licence"}, "license_number"),
    ):
        response = add(client, case, login(filer), party_id=applicant, **body)
        assert response.status_code == 422 and set(response.json["errors"]) == {field}, response.json
    asks = add(client, case, login(applicant_lawyer), license_number="13302201800000001", party_id=applicant)
    assert asks.status_code == 404  # an unverified lawyer is just a stranger to this case
    assert db.session.scalar(select(func.count()).select_from(CaseAgent)) == 0


def test_duplicates_are_409(client, filer, lawyer, case):
    applicant = party(case, "applicant")["id"]
    assert add(client, case, login(filer), lawyer_user_id=str(lawyer.id), party_id=applicant).status_code == 201
    again = add(client, case, login(filer), lawyer_user_id=str(lawyer.id), party_id=applicant)
    assert again.status_code == 409 and again.json["reason"] == "agent.duplicate"
    asks = add(client, case, login(lawyer), lawyer_user_id=str(lawyer.id), party_id=applicant)
    assert asks.status_code == 409 and asks.json["reason"] == "agent.duplicate"


def test_the_lawyer_of_party_a_cannot_act_for_party_b(client, filer, lawyer, case):
    respondent_user = make_user(real_name="李四")
    join(case, "respondent", respondent_user)
    applicant, respondent = party(case, "applicant")["id"], party(case, "respondent")["id"]
    mine = add(client, case, login(filer), lawyer_user_id=str(lawyer.id), party_id=applicant).json
    other_lawyer = make_user(real_name="赵律师")
    grant(other_lawyer, role="lawyer")
    theirs = add(client, case, login(other_lawyer), lawyer_user_id=str(other_lawyer.id), party_id=respondent).json

    both_sides = add(client, case, login(lawyer), lawyer_user_id=str(lawyer.id), party_id=respondent)
    assert both_sides.status_code == 409 and both_sides.json["reason"] == "agent.conflict_of_interest"
    hired_by_b = add(client, case, login(respondent_user), lawyer_user_id=str(lawyer.id), party_id=respondent)
    assert hired_by_b.status_code == 409 and hired_by_b.json["reason"] == "agent.conflict_of_interest"
    for decision in ("confirm", "decline"):
        response = decide(client, case, theirs["id"], decision, login(lawyer))
        assert response.status_code == 403 and response.json["reason"] == "agent.not_party"
    appoint_for_b = add(client, case, login(lawyer), lawyer_user_id=str(other_lawyer.id), party_id=respondent)
    assert appoint_for_b.status_code == 403
    # Only the party itself decides about its lawyers: not its own lawyer, not the other side.
    assert decide(client, case, mine["id"], "revoke", login(lawyer)).status_code == 403
    assert decide(client, case, mine["id"], "revoke", login(respondent_user)).status_code == 403
    assert db.session.get(CaseAgent, uuid.UUID(mine["id"])).status == "active"
    assert db.session.get(CaseAgent, uuid.UUID(theirs["id"])).status == "pending_confirmation"


def test_one_active_lawyer_per_party_at_a_time(client, filer, lawyer, case):
    applicant = party(case, "applicant")["id"]
    first = add(client, case, login(filer), lawyer_user_id=str(lawyer.id), party_id=applicant).json
    second_lawyer = make_user(real_name="钱律师")
    grant(second_lawyer, role="lawyer")
    asked = add(client, case, login(second_lawyer), lawyer_user_id=str(second_lawyer.id), party_id=applicant).json
    refused = decide(client, case, asked["id"], "confirm", login(filer))
    assert refused.status_code == 409 and refused.json["reason"] == "agent.party_represented"
    assert decide(client, case, first["id"], "revoke", login(filer)).status_code == 200
    assert decide(client, case, asked["id"], "confirm", login(filer)).status_code == 200
    assert client.get(f"{MP}/cases/{case['id']}", headers=login(second_lawyer)).status_code == 200
    assert client.get(f"{MP}/cases/{case['id']}", headers=login(lawyer)).status_code == 404


def test_no_new_agents_on_a_closed_case(client, filer, lawyer, case):
    applicant = party(case, "applicant")["id"]
    asked = add(client, case, login(lawyer), lawyer_user_id=str(lawyer.id), party_id=applicant).json
    client.post(f"{MP}/cases/{case['id']}/withdraw", json={"reason": "和解"}, headers=login(filer))
    confirm = decide(client, case, asked["id"], "confirm", login(filer))
    assert confirm.status_code == 409 and confirm.json["reason"] == "agent.case_closed"
    other = make_user(real_name="孙律师")
    grant(other, role="lawyer")
    response = add(client, case, login(filer), lawyer_user_id=str(other.id), party_id=applicant)
    assert response.status_code == 409 and response.json["reason"] == "agent.case_closed"
    assert decide(client, case, asked["id"], "decline", login(filer)).status_code == 200  # saying no still works


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "lawyer_user_id"),
        ({"lawyer_user_id": "LAWYER", "license_number": "1"}, "lawyer_user_id"),
        ({"lawyer_user_id": "LAWYER", "authority": "total"}, "authority"),
        ({"lawyer_user_id": "LAWYER", "status": "active"}, "status"),
        ({"lawyer_user_id": "LAWYER", "party_id": "OTHER_CASE_PARTY"}, "party_id"),
        ({"lawyer_user_id": "LAWYER", "power_of_attorney_evidence_id": "x"}, "power_of_attorney_evidence_id"),
    ],
)
def test_bad_requests_name_the_field_and_write_nothing(client, filer, lawyer, case, body, field):
    other_case = client.post(f"{MP}/cases", json=filing(org=make_org()), headers=login(filer)).json
    values = {"LAWYER": str(lawyer.id), "OTHER_CASE_PARTY": party(other_case, "respondent")["id"]}
    payload = {"party_id": party(case, "applicant")["id"], "authority": "general"}
    payload.update({k: values.get(v, v) for k, v in body.items()})
    response = client.post(f"{MP}/cases/{case['id']}/agents", json=payload, headers=login(filer))
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert db.session.scalar(select(func.count()).select_from(CaseAgent)) == 0


def test_the_workspace_pages_through_every_agency(client, clock, lawyer):
    filer = make_user(real_name="张三")
    actor = sessions.load_principal(filer)
    org = make_org()
    active = []
    for _ in range(5):
        case = file_case(filer, org=org)
        applicant = db.session.scalar(
            select(CaseParty.id).where(CaseParty.case_id == case.id, CaseParty.role == "applicant")
        )
        case_agents.add_agent(
            case_id=case.id, party_id=applicant, authority="general", lawyer_user_id=lawyer.id, actor=actor
        )
        active.append(str(case.id))
        clock.advance(minutes=1)
    withdrawn = active[1]
    case_actions.withdraw(case_id=uuid.UUID(withdrawn), reason="和解", actor=actor)
    pending_case = file_case(filer, org=org)
    respondent = db.session.scalar(
        select(CaseParty.id).where(CaseParty.case_id == pending_case.id, CaseParty.role == "respondent")
    )
    lawyer_actor = sessions.load_principal(lawyer)
    case_agents.add_agent(
        case_id=pending_case.id, party_id=respondent, authority="general", lawyer_user_id=lawyer.id, actor=lawyer_actor
    )
    case_actions.withdraw(case_id=pending_case.id, reason="和解", actor=actor)  # same status as `withdrawn`

    headers = login(lawyer)
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{MP}/lawyer/cases", query_string=query, headers=headers).json
        assert 1 <= len(page["items"]) <= 2
        seen += [(item["case_id"], item["pending"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [(str(pending_case.id), True)] + [(case_id, False) for case_id in reversed(active)]
    # A status filter lists active agencies only: it must not reveal a pending request's case status.
    filtered = client.get(f"{MP}/lawyer/cases", query_string={"status": "withdrawn"}, headers=headers).json
    assert [item["case_id"] for item in filtered["items"]] == [withdrawn]
    assert filtered["items"][0]["case"]["status"] == "withdrawn"
    assert client.get(f"{MP}/lawyer/cases", headers=login(filer)).json == {"items": [], "next_cursor": None}
    bad = client.get(f"{MP}/lawyer/cases", query_string={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]


def test_an_unknown_agent_is_404_for_the_party(client, filer, case):
    response = decide(client, case, "00000000-0000-7000-8000-000000000000", "confirm", login(filer))
    assert response.status_code == 404 and response.json["reason"] == "agent.not_found"


def test_a_lawyer_names_a_party_of_this_case(client, filer, lawyer, case):
    other_case = client.post(f"{MP}/cases", json=filing(org=make_org()), headers=login(filer)).json
    response = add(
        client, case, login(lawyer), lawyer_user_id=str(lawyer.id), party_id=party(other_case, "applicant")["id"]
    )
    # Outside the case, a wrong pair answers like an unknown case (tests/security/test_existence_leaks.py).
    assert response.status_code == 404 and response.json["reason"] == "case.not_found"


@pytest.mark.postgres
def test_racing_confirmations_leave_one_active_lawyer(app, database_url, filer, case):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time, so a race there proves nothing")
    applicant = party(case, "applicant")["id"]
    requests = []
    for number in range(THREADS):
        counsel = make_user(real_name=f"律师{number}")
        grant(counsel, role="lawyer")
        requests.append(
            add(app.test_client(), case, login(counsel), lawyer_user_id=str(counsel.id), party_id=applicant).json["id"]
        )
    headers = login(filer)
    barrier = threading.Barrier(THREADS)
    results = []

    def confirm(agent_id):
        client = app.test_client()
        barrier.wait()
        response = decide(client, case, agent_id, "confirm", headers)
        results.append((response.status_code, response.get_json()["reason"] if response.status_code != 200 else None))

    threads = [threading.Thread(target=confirm, args=(agent_id,)) for agent_id in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results, key=str) == sorted(
        [(200, None)] + [(409, "agent.party_represented")] * (THREADS - 1), key=str
    )
    db.session.expire_all()
    active = db.session.scalar(select(func.count()).select_from(CaseAgent).where(CaseAgent.status == "active"))
    assert active == 1
