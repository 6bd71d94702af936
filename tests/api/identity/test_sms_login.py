"""SMS login over HTTP: codes are single use, short-lived, burnt after 5 wrong tries, and rate limited."""

import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity import sms_login
from app.identity.login_models import SmsCode
from app.identity.models import User
from app.sms.models import SmsMessage

PHONE = "13812345678"


def read_code(client, phone=PHONE) -> str:
    messages = client.get("/api/mp/v1/dev/sms-outbox", query_string={"phone": phone}).get_json()
    return messages[0]["text"].split("验证码")[1][:6]


def send(client, phone=PHONE, ip="10.0.0.1"):
    return client.post("/api/mp/v1/auth/sms/send", json={"phone": phone}, environ_base={"REMOTE_ADDR": ip})


def verify(client, code, phone=PHONE):
    return client.post("/api/mp/v1/auth/sms/verify", json={"phone": phone, "code": code})


def test_login_with_a_code_creates_one_account(client):
    assert send(client).status_code == 202
    response = verify(client, read_code(client))
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"]["phone"] == "+8613812345678"  # own PII unmasked
    me = client.get("/api/mp/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == body["user"]["id"]
    users = db.session.scalars(select(User)).all()
    assert len(users) == 1 and "13812345678" not in users[0].phone_enc


def test_the_same_phone_logs_into_the_same_account(app, client, clock):
    app.config["SMS_SEND_LIMIT_PER_PHONE"] = "100/minute"  # the limiter runs on real time, not the test clock
    send(client)
    first = verify(client, read_code(client)).get_json()["user"]["id"]
    clock.advance(minutes=2)
    send(client, phone="+86 138-1234-5678")
    second = verify(client, read_code(client)).get_json()["user"]["id"]
    assert first == second


def test_a_code_is_single_use(client):
    send(client)
    code = read_code(client)
    assert verify(client, code).status_code == 200
    again = verify(client, code)
    assert again.status_code == 401 and again.get_json()["reason"] == "auth.code_invalid"


def test_a_code_expires_after_five_minutes(client, clock):
    send(client)
    code = read_code(client)
    clock.advance(seconds=301)
    assert verify(client, code).status_code == 401


def test_five_wrong_tries_burn_the_code(client):
    send(client)
    code = read_code(client)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert verify(client, wrong).status_code == 401
    assert verify(client, code).status_code == 401  # burnt, even the right one
    assert db.session.scalar(select(SmsCode)).attempts == 5


def test_a_new_code_replaces_the_old_one(app, client, clock):
    app.config["SMS_SEND_LIMIT_PER_PHONE"] = "100/minute"
    send(client)
    old = read_code(client)
    clock.advance(minutes=2)
    send(client)
    new = read_code(client)
    if old != new:
        assert verify(client, old).status_code == 401
    assert verify(client, new).status_code == 200


def test_unknown_and_known_phones_get_the_same_answer(app, client, clock):
    app.config["SMS_SEND_LIMIT_PER_PHONE"] = "100/minute"
    send(client)
    verify(client, read_code(client))
    clock.advance(minutes=2)
    known = send(client)
    unknown = send(client, phone="13900001111")
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()


def test_per_phone_send_limit_is_429_with_retry_after(client):
    assert send(client, ip="10.0.0.1").status_code == 202
    limited = send(client, ip="10.0.0.2")  # another IP: the phone limit still applies
    assert limited.status_code == 429
    assert limited.get_json()["reason"] == "rate.limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert db.session.query(SmsMessage).count() == 1


@pytest.mark.parametrize(
    "refused",
    [
        {"json": {"phone": PHONE, "extra": 1}},  # an unknown field: the schema's 422
        {"json": {"phone": "+1 13812345678"}},  # the same last 11 digits, not a mainland number: the service's 422
        {"json": [PHONE]},  # not an object
        {"data": '{"phone": "13812345678"', "content_type": "application/json"},  # malformed: 400
        {"data": '{"phone": "13812345678"}', "content_type": "text/plain"},  # not JSON: 422, nothing read
    ],
)
def test_a_refused_body_spends_none_of_the_phones_quota(client, refused):
    answer = client.post("/api/mp/v1/auth/sms/send", environ_base={"REMOTE_ADDR": "10.0.0.1"}, **refused)
    assert answer.status_code in (400, 422), answer.get_json()
    assert send(client).status_code == 202  # within the minute: the phone's one code a minute is still there
    assert send(client, ip="10.0.0.2").status_code == 429  # and it was spent by the valid send
    assert db.session.query(SmsMessage).count() == 1


def test_refused_bodies_still_count_against_the_ip(app, client):
    app.config["SMS_SEND_LIMIT_PER_IP"] = "2/minute"
    for _ in range(2):
        assert client.post("/api/mp/v1/auth/sms/send", json={"phone": PHONE, "x": 1}).status_code == 422
    assert send(client, ip="127.0.0.1").status_code == 429  # the per-IP limit (the test client's address)


def test_two_sends_at_once_for_one_phone_cannot_both_pass(app, client, monkeypatch):
    """The per-phone hit is taken before the view runs, not after the answer: while the first send is still
    inside the view, a second for the same phone is already refused."""
    inside, release = threading.Event(), threading.Event()
    real = sms_login.send_login_code

    def slow(*, phone: str) -> None:
        inside.set()
        assert release.wait(10)
        real(phone=phone)

    monkeypatch.setattr(sms_login, "send_login_code", slow)
    answers: list = []
    first = threading.Thread(
        target=lambda: answers.append(
            app.test_client()
            .post("/api/mp/v1/auth/sms/send", json={"phone": PHONE}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
            .status_code
        )
    )
    first.start()
    try:
        assert inside.wait(10)
        second = send(client, ip="10.0.0.2")
    finally:
        release.set()
        first.join(10)
    assert second.status_code == 429 and second.get_json()["reason"] == "rate.limited"
    assert answers == [202]


def test_per_ip_send_limit(app, client):
    app.config["SMS_SEND_LIMIT_PER_IP"] = "3/minute"
    statuses = [send(client, phone=f"1390000{i:04d}", ip="10.9.9.9").status_code for i in range(4)]
    assert statuses == [202, 202, 202, 429]


def test_verify_is_rate_limited_per_ip(app, client):
    app.config["SMS_VERIFY_LIMIT_PER_IP"] = "3/minute"
    statuses = [verify(client, "000000").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "abcdefghijk"}, "phone"),
        ({"phone": "+1 202 555 0100"}, "phone"),
        ({}, "phone"),
        ({"phone": PHONE, "extra": 1}, "extra"),
    ],
)
def test_malformed_phones_are_422_per_field(client, payload, field):
    response = client.post("/api/mp/v1/auth/sms/send", json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "", 123456])
def test_malformed_codes_are_422(client, code):
    response = client.post("/api/mp/v1/auth/sms/verify", json={"phone": PHONE, "code": code})
    assert response.status_code == 422 and "code" in response.get_json()["errors"]


def test_disabled_account_cannot_log_in(client):
    send(client)
    user_id = verify(client, read_code(client)).get_json()["user"]["id"]
    user = db.session.get(User, __import__("uuid").UUID(user_id))
    user.status = "disabled"
    db.session.commit()
    client.application.config["SMS_SEND_LIMIT_PER_PHONE"] = "100/minute"
    send(client)
    response = verify(client, read_code(client))
    assert response.status_code == 401 and response.get_json()["reason"] == "auth.account_disabled"


def test_dev_outbox_is_closed_when_disabled(app, client):
    app.config["DEV_SMS_OUTBOX"] = False
    assert client.get("/api/mp/v1/dev/sms-outbox", query_string={"phone": PHONE}).status_code == 404
