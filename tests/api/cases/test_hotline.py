"""12368 assisted filing: the operator files for a caller, who claims the case with an SMS code and their phone."""

import logging
import re
import threading

import pytest
from sqlalchemy import func, select, text

from app.cases.models import Case, CaseConsent, CaseParty, TimelineEvent
from app.extensions import db
from app.hotline.models import HotlineCall
from app.sms.models import SmsMessage
from app.utils.logging import JsonFormatter
from tests.conftest import is_postgres
from tests.support.factories import grant, login, make_court, make_org, make_user

MP, COURT = "/api/mp/v1", "/api/court/v1"
CALLER = "13900001111"
THREADS = 6
OPERATOR_EVENTS = ["case.filed", "hotline.call_recorded", "consent.recorded", "hotline.claim_code_sent"]


@pytest.fixture
def operator():
    user = make_user(real_name="话务员")
    grant(user, role="hotline_operator")
    return user


@pytest.fixture
def org():
    return make_org()


def call_payload(org=None, *, phone=CALLER, court=None, kind="mediation", **case_changes):
    """What an operator sends after a call; `create_case` files the case for the caller."""
    create_case = {
        "kind": kind,
        "category": "民间借贷纠纷",
        "title": "赵老伯诉李四民间借贷纠纷",
        "claims": "请求李四归还借款8000元。",
        "facts": "2025年5月李四向赵老伯借款8000元，至今未还。",
        "amount": "8000.00",
        "parties": [
            {"role": "respondent" if kind == "mediation" else "defendant", "name": "李四", "phone": "13800000009"}
        ],
        "consents": {"e_service": True, "online_mediation": kind == "mediation"},
        "address_read_back": True,
    }
    if org is not None:
        create_case["org_id"] = str(org.id)
    if court is not None:
        create_case["court_id"] = str(court.id)
    create_case.update(case_changes)
    return {
        "caller_phone": phone,
        "caller_name": "赵老伯",
        "summary": "来电人不会使用手机小程序，请求代为申请调解。",
        "category": "filing",
        "create_case": create_case,
    }


def record(client, operator, payload, **headers):
    return client.post(f"{COURT}/hotline/calls", json=payload, headers={**login(operator), **headers})


def outbox(client, phone):
    return client.get(f"{MP}/dev/sms-outbox", query_string={"phone": phone}).get_json()


def claim_code(client, phone=CALLER) -> str:
    texts = [m["text"] for m in outbox(client, phone) if m["template"] == "case_claim"]
    return re.search(r"认领码([A-Z0-9]{8})", texts[0]).group(1)


def sms_login(client, phone=CALLER) -> dict:
    """Log in as a citizen would: request a code, read it from the dev outbox, verify it."""
    assert client.post(f"{MP}/auth/sms/send", json={"phone": phone}).status_code == 202
    text = next(m["text"] for m in outbox(client, phone) if m["template"] == "login_code")
    code = text.split("验证码")[1][:6]
    tokens = client.post(f"{MP}/auth/sms/verify", json={"phone": phone, "code": code}).get_json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def claim(client, headers, code):
    return client.post(f"{MP}/cases/claim", json={"code": code}, headers=headers)


def test_operator_files_for_the_caller_who_claims_the_case_by_sms(client, operator, org):
    response = record(client, operator, call_payload(org))
    assert response.status_code == 201, response.get_json()
    call = response.get_json()
    assert call["caller_phone"] == "139****1111" and call["claimed"] is False and call["case"]["status"] == "submitted"
    code = claim_code(client)
    assert code not in response.get_data(as_text=True)  # the code only travels by SMS
    stored = db.session.scalar(select(HotlineCall))
    assert (
        stored.claim_code_hash != code and code not in stored.claim_code_hash and CALLER not in stored.caller_phone_enc
    )
    case = db.session.get(Case, stored.case_id)
    assert case.filed_via == "hotline" and case.filed_by_user_id == operator.id
    caller_party = db.session.get(CaseParty, stored.party_id)
    assert caller_party.role == "applicant" and caller_party.name == "赵老伯" and caller_party.user_id is None

    caller = sms_login(client)
    case_url = f"{MP}/cases/{case.id}"
    assert client.get(case_url, headers=caller).status_code == 404  # not theirs until claimed
    claimed = claim(client, caller, code.lower()[:4] + "-" + code.lower()[4:])  # typed by hand
    assert claimed.status_code == 200, claimed.get_json()
    detail = claimed.get_json()
    me = next(p for p in detail["parties"] if p["is_me"])
    assert me["role"] == "applicant" and me["phone"] == "+86" + CALLER and detail["my_relations"] == ["party"]
    e_service = next(c for c in detail["consents"] if c["kind"] == "e_service")
    assert e_service["given"] and e_service["method"] == "hotline" and e_service["address_confirmed"]
    assert client.get(case_url, headers=caller).status_code == 200

    timeline = client.get(f"{case_url}/timeline", headers=caller).get_json()
    assert [(e["type"], e["actor_role"]) for e in timeline] == [
        *((event, "hotline_operator") for event in OPERATOR_EVENTS),
        ("case.claimed", "party"),
    ]
    assert client.get(case_url, headers=login(operator)).status_code == 404  # the operator filed it, not owns it
    listed = client.get(f"{COURT}/hotline/calls", headers=login(operator)).get_json()
    assert [(c["id"], c["claimed"]) for c in listed["items"]] == [(call["id"], True)]
    assert claim(client, caller, code).status_code == 404  # single use


def test_a_litigation_filed_by_phone_makes_the_caller_plaintiff(client, operator):
    court = make_court()
    response = record(client, operator, call_payload(court=court, kind="litigation"))
    assert response.status_code == 201, response.get_json()
    party = db.session.scalar(select(CaseParty).where(CaseParty.phone_index.is_not(None), CaseParty.name == "赵老伯"))
    assert party.role == "plaintiff"
    consents = db.session.scalars(select(CaseConsent)).all()
    assert [(c.kind, c.method) for c in consents] == [("e_service", "hotline")]


def test_the_address_is_confirmed_only_when_read_back(client, operator, org):
    record(client, operator, call_payload(org, address_read_back=False))
    consent = db.session.scalar(select(CaseConsent).where(CaseConsent.kind == "e_service"))
    assert consent.given and not consent.address_confirmed and consent.method == "hotline"


def test_someone_elses_phone_cannot_claim(client, operator, org):
    record(client, operator, call_payload(org))
    code = claim_code(client)
    stranger = sms_login(client, phone="13700002222")
    wrong = claim(client, stranger, code)
    assert wrong.status_code == 404 and wrong.get_json()["reason"] == "claim.not_found"
    no_phone = claim(client, login(make_user()), code)
    assert no_phone.status_code == 404
    assert db.session.scalar(select(CaseParty).where(CaseParty.name == "赵老伯")).user_id is None
    assert claim(client, sms_login(client), code).status_code == 200  # the code was not burnt by the attempts


def test_a_code_expires(app, client, clock, operator, org):
    days = app.config["HOTLINE_CLAIM_CODE_DAYS"]
    record(client, operator, call_payload(org, title="第一件"))
    record(client, operator, call_payload(org, phone="13900003333", title="第二件"))
    first, second = claim_code(client), claim_code(client, "13900003333")
    first_caller, second_caller = make_user(phone=CALLER), make_user(phone="13900003333")
    clock.advance(days=days, minutes=-1)
    assert claim(client, login(first_caller), first).status_code == 200
    clock.advance(minutes=1)
    expired = claim(client, login(second_caller), second)
    assert expired.status_code == 404 and expired.get_json()["reason"] == "claim.not_found"


def test_wrong_used_expired_and_foreign_codes_answer_alike(client, clock, operator, org):
    record(client, operator, call_payload(org))
    record(client, operator, call_payload(org, phone="13900003333", title="第二件"))
    code, other_code = claim_code(client), claim_code(client, "13900003333")
    caller = sms_login(client)
    assert claim(client, caller, code).status_code == 200
    wrong = "".join("A" if ch != "A" else "B" for ch in code)
    answers = [claim(client, caller, attempt) for attempt in (code, wrong, "!!", other_code)]
    bodies = [{k: v for k, v in a.get_json().items() if k != "request_id"} for a in answers]
    assert {a.status_code for a in answers} == {404} and all(body == bodies[0] for body in bodies)


def test_only_operators_take_calls(client, org):
    citizen = make_user()
    assert client.post(f"{COURT}/hotline/calls", json=call_payload(org), headers=login(citizen)).status_code == 404
    assert client.get(f"{COURT}/hotline/calls", headers=login(citizen)).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"category": "gossip"}, "category"),
        ({"create_case": {"category": "外星人纠纷"}}, "create_case.category"),
        ({"create_case": {"parties": [{"role": "third_party", "name": "王五"}]}}, "create_case.parties"),
        ({"create_case": {"caller_id_number": "330206198501010030"}}, "create_case.caller_id_number"),
        ({"create_case": {"parties": [{"role": "respondent", "name": "李四", "phone": "1"}]}}, "create_case.parties.0"),
        ({"create_case": {"parties": [{"role": "respondent", "name": "李四", "is_self": True}]}}, "create_case"),
        ({"create_case": {"status": "accepted"}}, "create_case"),
    ],
)
def test_bad_calls_name_the_field_and_write_nothing(client, operator, org, change, field):
    payload = call_payload(org)
    payload["create_case"].update(change.pop("create_case", {}))
    payload.update(change)
    response = record(client, operator, payload)
    assert response.status_code == 422, response.get_json()
    assert any(key == field or key.startswith(field + ".") for key in response.get_json()["errors"]), response.json
    for model in (HotlineCall, Case, CaseParty, CaseConsent, TimelineEvent, SmsMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_call_without_a_case_is_recorded_and_listed_page_by_page(client, clock, operator):
    for number in range(3):
        payload = {
            "caller_phone": CALLER,
            "caller_name": "钱女士",
            "summary": f"咨询第{number}次",
            "category": "inquiry",
        }
        assert record(client, operator, payload).status_code == 201
        clock.advance(minutes=1)
    other = make_user()
    grant(other, role="hotline_operator")
    assert client.get(f"{COURT}/hotline/calls", headers=login(other)).get_json()["items"] == []
    first = client.get(f"{COURT}/hotline/calls", query_string={"limit": 2}, headers=login(operator)).get_json()
    rest = client.get(
        f"{COURT}/hotline/calls", query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=login(operator)
    ).get_json()
    assert [c["summary"] for c in first["items"] + rest["items"]] == ["咨询第2次", "咨询第1次", "咨询第0次"]
    assert rest["next_cursor"] is None and all(c["case"] is None for c in first["items"])
    assert outbox(client, CALLER) == []  # no case, no claim code


def test_a_retried_call_files_once(client, operator, org):
    payload = call_payload(org)
    first = record(client, operator, payload, **{"Idempotency-Key": "call-7f3a"})
    again = record(client, operator, payload, **{"Idempotency-Key": "call-7f3a"})
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    for model in (HotlineCall, Case, SmsMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 1


def test_claims_are_rate_limited_per_user_and_per_ip(app, client, operator, org):
    record(client, operator, call_payload(org))
    app.config.update(HOTLINE_CLAIM_LIMIT_PER_USER="2/minute", HOTLINE_CLAIM_LIMIT_PER_IP="3/minute")

    def guess(headers, ip):
        return client.post(
            f"{MP}/cases/claim", json={"code": "AAAAAAAA"}, headers=headers, environ_base={"REMOTE_ADDR": ip}
        )

    guesser = login(make_user(phone="13700004444"))
    assert [guess(guesser, "10.0.0.1").status_code for _ in range(3)] == [404, 404, 429]
    moved = guess(guesser, "10.0.0.2")  # a new address does not reset the user's count
    assert moved.status_code == 429 and int(moved.headers["Retry-After"]) > 0
    assert moved.get_json()["reason"] == "rate.limited"
    assert [guess(login(make_user()), "10.0.0.3").status_code for _ in range(4)] == [404, 404, 404, 429]
    caller = sms_login(client)
    right = client.post(
        f"{MP}/cases/claim", json={"code": claim_code(client)}, headers=caller, environ_base={"REMOTE_ADDR": "10.0.0.4"}
    )
    assert right.status_code == 200


@pytest.mark.postgres
def test_a_code_claimed_by_racing_requests_is_claimed_once(app, database_url, client, operator, org):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time, so a race there proves nothing")
    app.config["HOTLINE_CLAIM_LIMIT_PER_USER"] = "100/minute"
    record(client, operator, call_payload(org))
    code, caller = claim_code(client), login(make_user(phone=CALLER))
    barrier = threading.Barrier(THREADS)
    statuses = []

    def attempt():
        other = app.test_client()
        barrier.wait()
        statuses.append(claim(other, caller, code).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [404] * (THREADS - 1)
    db.session.expire_all()
    claimed = db.session.scalars(select(TimelineEvent).where(TimelineEvent.type == "case.claimed")).all()
    assert len(claimed) == 1


def test_the_callers_phone_never_reaches_logs_or_plain_columns(client, operator, org, caplog):
    with caplog.at_level(logging.DEBUG):
        record(client, operator, call_payload(org))
        assert claim(client, login(make_user(phone=CALLER)), claim_code(client)).status_code == 200
        client.get(f"{COURT}/hotline/calls", headers=login(operator))
    rendered = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert CALLER not in rendered and CALLER[-8:] not in rendered
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f'SELECT * FROM "{table.name}"')):
            assert not any(CALLER in str(value) for value in row), table.name
