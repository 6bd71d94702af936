"""WeChat login and phone binding against the fake WeChat server; session_key never leaves the server."""

import base64
import json
import logging

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import select

from app.extensions import db
from app.identity.models import User, WeChatSessionKey
from tests.support.factories import login, make_user


def wx_login(client, code):
    return client.post("/api/mp/v1/auth/wechat", json={"code": code})


def test_login_creates_the_user_once_and_hides_the_session_key(client, wechat, caplog):
    entry = wechat.add_login()
    with caplog.at_level(logging.DEBUG):
        response = wx_login(client, entry.code)
        again = wx_login(client, wechat.add_login(openid=entry.openid).code)
    assert response.status_code == again.status_code == 200
    assert response.get_json()["user"]["id"] == again.get_json()["user"]["id"]
    assert response.get_json()["user"]["wechat_linked"] is True
    assert entry.session_key not in response.get_data(as_text=True)
    assert entry.session_key not in caplog.text
    assert entry.openid not in json.dumps(response.get_json())
    stored = db.session.scalar(select(WeChatSessionKey))
    assert entry.session_key not in stored.session_key_enc
    access = response.get_json()["access_token"]
    payload = json.loads(base64.urlsafe_b64decode(access.split(".")[1] + "=="))
    assert entry.session_key not in json.dumps(payload) and entry.openid not in json.dumps(payload)


def test_used_and_unknown_codes_are_400(client, wechat):
    entry = wechat.add_login()
    wx_login(client, entry.code)
    used = wx_login(client, entry.code)
    unknown = wx_login(client, "never-issued")
    assert used.status_code == unknown.status_code == 400
    assert used.get_json()["reason"] == unknown.get_json()["reason"] == "auth.invalid_code"


def test_wechat_down_is_a_fast_503(app, client, wechat):
    wechat.stop()
    response = wx_login(client, "any-code")
    assert response.status_code == 503 and "Retry-After" in response.headers


def test_unionid_links_to_the_same_person(client, wechat):
    first = wx_login(client, wechat.add_login(unionid="u-123").code).get_json()["user"]["id"]
    user = db.session.scalar(select(User))
    assert str(user.id) == first and user.wechat_unionid == "u-123"


def test_bind_phone_with_the_new_code_flow(client, wechat):
    headers = {"Authorization": "Bearer " + wx_login(client, wechat.add_login().code).get_json()["access_token"]}
    response = client.post("/api/mp/v1/me/phone", json={"code": wechat.add_phone_code("13955550000")}, headers=headers)
    assert response.status_code == 200 and response.get_json()["phone"] == "+8613955550000"


def test_a_phone_of_another_account_is_refused(client, wechat):
    make_user(phone="13955550000")
    headers = {"Authorization": "Bearer " + wx_login(client, wechat.add_login().code).get_json()["access_token"]}
    response = client.post("/api/mp/v1/me/phone", json={"code": wechat.add_phone_code("13955550000")}, headers=headers)
    assert response.status_code == 409 and response.get_json()["reason"] == "identity.phone_taken"


def _encrypt(session_key: str, payload: dict) -> tuple[str, str]:
    key = base64.b64decode(session_key)
    iv = b"0123456789abcdef"
    padder = padding.PKCS7(128).padder()
    data = padder.update(json.dumps(payload).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode(), base64.b64encode(iv).decode()


def test_legacy_encrypted_phone_checks_the_watermark(client, wechat):
    entry = wechat.add_login()
    headers = {"Authorization": "Bearer " + wx_login(client, entry.code).get_json()["access_token"]}
    ours = {"phoneNumber": "13966667777", "purePhoneNumber": "13966667777", "watermark": {"appid": wechat.appid}}
    data, iv = _encrypt(entry.session_key, ours)
    response = client.post("/api/mp/v1/me/phone", json={"encrypted_data": data, "iv": iv}, headers=headers)
    assert response.status_code == 200 and response.get_json()["phone"] == "+8613966667777"
    theirs = {**ours, "watermark": {"appid": "wx-someone-else"}}
    data, iv = _encrypt(entry.session_key, theirs)
    refused = client.post("/api/mp/v1/me/phone", json={"encrypted_data": data, "iv": iv}, headers=headers)
    assert refused.status_code == 400 and refused.get_json()["reason"] == "auth.wechat_watermark_mismatch"


def test_legacy_flow_needs_a_wechat_login(client):
    response = client.post(
        "/api/mp/v1/me/phone", json={"encrypted_data": "abc", "iv": "def"}, headers=login(make_user())
    )
    assert response.status_code == 409


def test_bind_phone_needs_some_proof(client):
    response = client.post("/api/mp/v1/me/phone", json={}, headers=login(make_user()))
    assert response.status_code == 422
