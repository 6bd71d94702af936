"""QR invitations: the contract's fields, hashing at rest, who may invite, accept rules, the one 404, rate limits."""

import re
import uuid

import pytest
from sqlalchemy import func, select

from app.cases.models import Case, CaseParty, TimelineEvent
from app.extensions import db
from app.invitations.models import Invitation
from app.scheduling.models import SessionReminder
from app.security import pii
from tests.support.cases import RESPONDENT_ID
from tests.support.factories import grant, login, make_court, make_user
from tests.support.scheduling import MP, book, join, local, mediation_case, mediator, person

CODE = re.compile(r"^[ABCDEFGHJKLMNPRSTVWXYZ23456789]{8}$")


def invite(client, case, user, **body):
    body.setdefault("role", "respondent")
    return client.post(f"{MP}/cases/{case.id}/invitations", json=body, headers=login(user))


def respondent(case) -> CaseParty:
    return db.session.scalars(
        select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "respondent")
    ).one()


def events(case) -> list[str]:
    return [e.type for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id))]


def the_person_named_in_the_filing(*, id_number: str | None = RESPONDENT_ID):
    """李四, real-name verified, with the ID number the filing gave for the respondent."""
    user = person("李四")
    if id_number:
        user.id_number_enc = pii.encrypt(id_number, field="id_number")
        user.id_number_index = pii.blind_index(id_number, field="id_number")
        db.session.commit()
    return user


def test_issue_answers_the_contract_and_stores_only_hashes(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    response = invite(client, case, med)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {"invitation_id", "token", "code", "expires_at", "scene", "page", "qr_png_url", "qr_svg_url"} <= set(body)
    assert re.fullmatch(r"[A-Za-z0-9]{24}", body["token"]) and len(body["token"]) <= 32
    assert CODE.match(body["code"])
    assert body["scene"] == body["token"] and body["page"] == "pages/invitation/accept"
    assert body["expires_at"] == "2026-11-09T10:00:00+08:00"  # 7 days from the test clock, in Shanghai time
    assert body["max_uses"] == 1 and body["uses"] == 0 and body["party_id"] is None
    assert body["qr_png_url"] == f"http://127.0.0.1:5000/api/mp/v1/invitations/{body['token']}/qr.png"
    assert body["qr_svg_url"].endswith(f"/invitations/{body['token']}/qr.svg")
    assert body["wxacode_url"] is None  # WeChat is not configured here
    row = db.session.get(Invitation, uuid.UUID(body["invitation_id"]))
    stored = " ".join(str(getattr(row, c.key)) for c in Invitation.__table__.columns)
    assert body["token"] not in stored and body["code"] not in stored
    assert row.token_hash == pii.blind_index(body["token"], field="invitation_token")
    assert "invitation.issued" in events(case)


def test_tokens_and_codes_are_fresh_each_time(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    issued = [invite(client, case, med, role="third_party", max_uses=3).get_json() for _ in range(20)]
    assert len({i["token"] for i in issued}) == 20 and len({i["code"] for i in issued}) == 20


def test_who_may_invite(client, clock):
    court = make_court()
    med = mediator()
    case = mediation_case(mediator_user=med, court=court)
    clerk, judge, other_clerk = make_user(), make_user(), make_user()
    grant(clerk, role="clerk", court=court)
    grant(judge, role="judge", court=court)
    grant(other_clerk, role="clerk", court=make_court())
    assert invite(client, case, clerk).status_code == 201
    assert invite(client, case, judge).status_code == 201
    filer = db.session.get(type(med), case.filed_by_user_id)
    refused = invite(client, case, filer)
    assert refused.status_code == 403 and refused.get_json()["reason"] == "invitation.forbidden"
    assert invite(client, case, other_clerk).status_code == 404
    assert invite(client, case, mediator()).status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        ({"role": "plaintiff"}, "role"),
        ({"role": "respondent", "expires_in_hours": 721}, "expires_in_hours"),
        ({"role": "respondent", "max_uses": 0}, "max_uses"),
        ({"role": "respondent", "uses": 5}, "uses"),
        ({"role": "respondent", "token": "mine"}, "token"),
        ({"role": "respondent", "party_id": "00000000-0000-7000-8000-000000000000"}, "party_id"),
    ],
)
def test_invalid_invitations_are_422(client, clock, body, field):
    med = mediator()
    case = mediation_case(mediator_user=med)
    response = client.post(f"{MP}/cases/{case.id}/invitations", json=body, headers=login(med))
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_named_party_rules(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    party = respondent(case)
    wrong_role = invite(client, case, med, party_id=str(party.id), role="third_party")
    assert wrong_role.status_code == 422 and "role" in wrong_role.get_json()["errors"]
    multi = invite(client, case, med, party_id=str(party.id), max_uses=2)
    assert multi.status_code == 422 and "max_uses" in multi.get_json()["errors"]
    other_case = mediation_case()
    foreign = invite(client, case, med, party_id=str(respondent(other_case).id))
    assert foreign.status_code == 422 and "party_id" in foreign.get_json()["errors"]
    join(case, person("李四"))
    joined = invite(client, case, med, party_id=str(party.id))
    assert joined.status_code == 409 and joined.get_json()["reason"] == "invitation.party_joined"


def test_preview_has_no_personal_data(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med, title="借款纠纷调解")
    token = invite(client, case, med, party_id=str(respondent(case).id)).get_json()["token"]
    response = client.get(f"{MP}/invitations/{token}")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "case_kind": "mediation",
        "case_title": "借款纠纷调解",
        "court_name": None,
        "org_name": "北仑区人民调解委员会",
        "role": "respondent",
        "names_a_party": True,
        "requires_real_name": True,
        "expires_at": "2026-11-09T10:00:00+08:00",
    }
    text = response.get_data(as_text=True)
    for secret in ("李四", "张三", RESPONDENT_ID, "13800000009", str(case.id), str(med.id)):
        assert secret not in text


def test_anyone_accepts_an_open_invitation_once(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    token = invite(client, case, med, role="third_party").get_json()["token"]
    guest = person("陈某")
    accepted = client.post(f"{MP}/invitations/{token}/accept", headers=login(guest))
    assert accepted.status_code == 200, accepted.get_json()
    body = accepted.get_json()
    assert body["role"] == "third_party" and body["case_id"] == str(case.id)
    party = db.session.get(CaseParty, uuid.UUID(body["party_id"]))
    assert party.user_id == guest.id and party.name == "陈某" and party.phone_index == guest.phone_index
    assert client.get(f"{MP}/cases/{case.id}", headers=login(guest)).status_code == 200
    assert "invitation.accepted" in events(case)
    late = client.post(f"{MP}/invitations/{token}/accept", headers=login(person("韩某")))
    assert late.status_code == 404 and late.get_json()["reason"] == "invitation.not_found"
    assert db.session.scalars(select(Invitation)).one().uses == 1


def test_a_named_party_must_be_the_verified_person(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    party = respondent(case)
    issued = invite(client, case, med, party_id=str(party.id)).get_json()
    url = f"{MP}/invitations/{issued['token']}/accept"
    unverified = client.post(url, headers=login(make_user()))
    assert unverified.status_code == 403 and unverified.get_json()["reason"] == "invitation.verification_required"
    for impostor in (person("王五"), the_person_named_in_the_filing(id_number=None)):
        refused = client.post(url, headers=login(impostor))
        assert refused.status_code == 403 and refused.get_json()["reason"] == "invitation.identity_mismatch"
    assert (
        db.session.get(Invitation, uuid.UUID(issued["invitation_id"])).uses == 0
    )  # refusals do not spend the invitation
    lisi = the_person_named_in_the_filing()
    accepted = client.post(url, headers=login(lisi))
    assert accepted.status_code == 200 and accepted.get_json()["party_id"] == str(party.id)
    db.session.refresh(party)
    assert party.user_id == lisi.id and party.joined_at is not None
    assert db.session.scalar(select(func.count()).select_from(CaseParty).where(CaseParty.case_id == case.id)) == 2


def test_accept_by_the_typed_code_forgives_case_and_hyphens(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    code = invite(client, case, med).get_json()["code"]
    typed = f"{code[:4].lower()}-{code[4:]}"
    accepted = client.post(f"{MP}/invitations/by-code/{typed}/accept", headers=login(person("蒋某")))
    assert accepted.status_code == 200 and accepted.get_json()["role"] == "respondent"


def test_unknown_expired_revoked_and_used_up_look_alike(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    used = invite(client, case, med).get_json()
    client.post(f"{MP}/invitations/{used['token']}/accept", headers=login(person("甲某")))
    revoked = invite(client, case, med).get_json()
    assert client.post(f"{MP}/invitations/{revoked['invitation_id']}/revoke", headers=login(med)).status_code == 200
    expiring = invite(client, case, med, expires_in_hours=1).get_json()
    clock.advance(hours=1)
    tokens = {
        "unknown": "Zz" * 12,
        "malformed": "not-a-token!",
        "too long": "A" * 33,
        "used up": used["token"],
        "revoked": revoked["token"],
        "expired": expiring["token"],
    }
    answers = set()
    for label, token in tokens.items():
        for method, suffix in (("POST", "/accept"), ("GET", ""), ("GET", "/qr.png"), ("GET", "/qr.svg")):
            headers = login(person()) if method == "POST" else {}
            response = client.open(f"{MP}/invitations/{token}{suffix}", method=method, headers=headers)
            assert response.status_code == 404, (label, suffix)
            body = response.get_json()
            answers.add((body["reason"], body["message"], str(body["errors"])))
    codes = {"unknown": "ABCDEFGH", "bad alphabet": "ABCDEFGI", "short": "ABC"}
    codes.update({"used up": used["code"], "revoked": revoked["code"], "expired": expiring["code"]})
    for label, code in codes.items():
        response = client.post(f"{MP}/invitations/by-code/{code}/accept", headers=login(person()))
        assert response.status_code == 404, label
        body = response.get_json()
        answers.add((body["reason"], body["message"], str(body["errors"])))
    assert len(answers) == 1


def test_revoke_is_recorded_once_and_only_by_inviters(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    issued = invite(client, case, med).get_json()
    url = f"{MP}/invitations/{issued['invitation_id']}/revoke"
    filer = db.session.get(type(med), case.filed_by_user_id)
    assert client.post(url, headers=login(filer)).status_code == 403
    assert client.post(url, headers=login(make_user())).status_code == 404
    first = client.post(url, headers=login(med))
    again = client.post(url, headers=login(med))
    assert first.status_code == again.status_code == 200
    assert first.get_json()["revoked_at"] == again.get_json()["revoked_at"] == "2026-11-02T10:00:00+08:00"
    assert events(case).count("invitation.revoked") == 1


def test_staff_cannot_join_and_parties_cannot_join_twice(client, clock):
    court = make_court()
    med = mediator()
    case = mediation_case(mediator_user=med, court=court)
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    token = invite(client, case, med, max_uses=5).get_json()["token"]
    for staff in (med, clerk):
        refused = client.post(f"{MP}/invitations/{token}/accept", headers=login(staff))
        assert refused.status_code == 403 and refused.get_json()["reason"] == "invitation.staff_of_case"
    filer = db.session.get(type(med), case.filed_by_user_id)
    twice = client.post(f"{MP}/invitations/{token}/accept", headers=login(filer))
    assert twice.status_code == 409 and twice.get_json()["reason"] == "invitation.already_party"
    assert db.session.scalars(select(Invitation)).one().uses == 0


def test_multi_use_invitations_count_exactly(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    token = invite(client, case, med, role="third_party", max_uses=2).get_json()["token"]
    statuses = [client.post(f"{MP}/invitations/{token}/accept", headers=login(person())).status_code for _ in range(3)]
    assert statuses == [200, 200, 404]
    assert db.session.scalars(select(Invitation)).one().uses == 2


def test_closed_cases_take_no_invitations(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    token = invite(client, case, med).get_json()["token"]
    db.session.get(Case, case.id).status = "withdrawn"
    db.session.commit()
    assert client.get(f"{MP}/invitations/{token}").status_code == 404
    refused = invite(client, case, med)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "invitation.case_closed"


def test_accept_is_rate_limited_per_user(app, client, clock):
    app.config["INVITATION_ACCEPT_LIMIT_PER_USER"] = "3/minute"
    guesser = login(person())
    statuses = [client.post(f"{MP}/invitations/by-code/ABCDEFG{n}/accept", headers=guesser) for n in range(2, 6)]
    assert [r.status_code for r in statuses] == [404, 404, 404, 429]
    assert int(statuses[-1].headers["Retry-After"]) >= 1 and statuses[-1].get_json()["reason"] == "rate.limited"
    # the limit is the user's: someone else is still heard
    assert client.post(f"{MP}/invitations/Zz2/accept", headers=login(person())).status_code == 404


def test_accept_is_rate_limited_per_address(app, client, clock):
    app.config["INVITATION_ACCEPT_LIMIT_PER_IP"] = "5/minute"
    statuses = [client.post(f"{MP}/invitations/Zz{n}/accept", headers=login(person())).status_code for n in range(6)]
    assert statuses == [404] * 5 + [429]
    elsewhere = client.post(
        f"{MP}/invitations/Zz9/accept", headers=login(person()), environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert elsewhere.status_code == 404


def test_someone_who_joins_is_reminded_of_sessions_ahead(client, clock):
    med = mediator()
    case = mediation_case(mediator_user=med)
    booked = book(client, case, med, local("2026-11-10", "09:00"), local("2026-11-10", "10:00"))
    assert booked.status_code == 201
    token = invite(client, case, med).get_json()["token"]
    guest = person("褚某")
    assert client.post(f"{MP}/invitations/{token}/accept", headers=login(guest)).status_code == 200
    mine = db.session.scalars(select(SessionReminder).where(SessionReminder.user_id == guest.id)).all()
    assert sorted(r.offset_minutes for r in mine) == [60, 1440]
    assert {str(r.session_id) for r in mine} == {booked.get_json()["id"]}


def test_a_code_already_taken_is_drawn_again_without_reading_first(client, clock, monkeypatch):
    """The INSERT decides (ON CONFLICT DO NOTHING): a draw whose code another invitation holds inserts nothing and
    fresh secrets are drawn; eight taken draws in a row answer 409 invitation.retry, and nothing is written."""
    from app.invitations import issuing

    med = mediator()
    case = mediation_case(mediator_user=med)
    first = invite(client, case, med).get_json()
    script: list[str] = []
    draw = issuing.random_string
    monkeypatch.setattr(issuing, "random_string", lambda alphabet, n: script.pop(0) if script else draw(alphabet, n))
    fresh_token = draw(issuing.TOKEN_ALPHABET, issuing.TOKEN_LENGTH)
    script += [fresh_token, first["code"]]  # a new token, the first invitation's code
    second = invite(client, case, med)
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["code"] != first["code"] and script == []
    assert second.get_json()["token"] != fresh_token  # that draw was dropped whole
    script += [first["token"], first["code"]] * 8
    third = invite(client, case, med)
    assert third.status_code == 409 and third.get_json()["reason"] == "invitation.retry"
    assert db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.case_id == case.id)) == 2
    assert events(case).count("invitation.issued") == 2
    # each entry names the invitation its draw wrote (PostgreSQL: written by the invitation's statement, only with it)
    issued = select(TimelineEvent).where(TimelineEvent.case_id == case.id, TimelineEvent.type == "invitation.issued")
    named = sorted(entry.data["invitation_id"] for entry in db.session.scalars(issued))
    ids = select(Invitation.id).where(Invitation.case_id == case.id)
    assert named == sorted(str(invitation_id) for invitation_id in db.session.scalars(ids))
    joined = client.post(f"{MP}/invitations/{first['token']}/accept", headers=login(person("王五")))
    assert joined.status_code == 200, joined.get_json()  # the first invitation is untouched


def test_the_named_party_joining_is_reminded_of_the_sessions_ahead_only(client, clock):
    """The invited party is read with its case's sessions ahead (one statement): scheduled ones only."""
    med = mediator()
    case = mediation_case(mediator_user=med)
    first = book(client, case, med, local("2026-11-10", "09:00"), local("2026-11-10", "10:00")).get_json()
    second = book(client, case, med, local("2026-11-11", "09:00"), local("2026-11-11", "10:00")).get_json()
    dropped = book(client, case, med, local("2026-11-12", "09:00"), local("2026-11-12", "10:00")).get_json()
    assert client.post(f"{MP}/sessions/{dropped['id']}/cancel", json={}, headers=login(med)).status_code == 200
    token = invite(client, case, med, party_id=str(respondent(case).id)).get_json()["token"]
    named = the_person_named_in_the_filing()
    joined = client.post(f"{MP}/invitations/{token}/accept", headers=login(named))
    assert joined.status_code == 200, joined.get_json()
    assert joined.get_json()["party_id"] == str(respondent(case).id)
    mine = db.session.scalars(select(SessionReminder).where(SessionReminder.user_id == named.id)).all()
    assert sorted((str(r.session_id), r.offset_minutes) for r in mine) == sorted(
        (session["id"], minutes) for session in (first, second) for minutes in (60, 1440)
    )
