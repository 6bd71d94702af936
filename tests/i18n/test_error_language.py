"""Errors over HTTP in the reader's language: Accept-Language zh / en / missing / garbage; the reason never changes."""

from __future__ import annotations

import uuid

import pytest

from miniprogram_api.schemas.base import TIME_RANGE_TEXT
from tests.support.factories import grant, login, make_user

CHINESE = {
    "zh-CN,zh;q=0.9": True,
    "zh": True,
    "en-US,en;q=0.8": False,
    "en": False,
    None: True,  # no header: Chinese, the default
    "garbage;;q=x, ;": True,  # unparseable: Chinese
    "fr-FR,de;q=0.5": True,  # a language the service does not speak: Chinese
    "en;q=0.3, zh-CN;q=0.9": True,
    "zh;q=0.2, en": False,
}


def ask(client, method: str, url: str, language: str | None, **kwargs):
    headers = dict(kwargs.pop("headers", {}))
    if language is not None:
        headers["Accept-Language"] = language
    return client.open(url, method=method, headers=headers, **kwargs)


def admin_headers() -> dict[str, str]:
    user = make_user()
    grant(user, role="platform_admin")
    return login(user)


COURT = {"code": "浙0212", "name": "宁波市北仑区人民法院", "region": "浙江省宁波市"}


@pytest.mark.parametrize("language", list(CHINESE))
def test_conflict_with_a_reason_and_a_placeholder(client, language):
    headers = admin_headers()
    assert client.post("/api/admin/v1/courts", json=COURT, headers=headers).status_code == 201
    body = ask(client, "POST", "/api/admin/v1/courts", language, json=COURT, headers=headers).get_json()
    assert (body["code"], body["reason"]) == (409, "court.code_taken")
    response = ask(client, "POST", "/api/admin/v1/courts", language, json=COURT, headers=headers)
    assert response.headers["Content-Language"] == ("zh-CN" if CHINESE[language] else "en")
    assert "Accept-Language" in response.headers["Vary"]
    expected = "代码为浙0212的法院已存在。" if CHINESE[language] else "A court with code 浙0212 exists."
    assert body["message"] == expected


@pytest.mark.parametrize("language", list(CHINESE))
def test_validation_message_and_field_messages(client, language):
    response = ask(client, "POST", "/api/admin/v1/courts", language, json={"region": 7}, headers=admin_headers())
    body = response.get_json()
    assert (response.status_code, body["reason"]) == (422, "validation.failed")
    if CHINESE[language]:
        assert body["message"] == "部分字段无效。"
        assert body["errors"]["code"] == ["缺少必填字段。"] and body["errors"]["region"] == ["不是有效的字符串。"]
    else:
        assert body["message"] == "Some fields are invalid."
        assert body["errors"]["code"] == ["Missing data for required field."]
        assert body["errors"]["region"] == ["Not a valid string."]


@pytest.mark.parametrize("language", list(CHINESE))
def test_not_found_of_the_core_and_of_the_router(client, language):
    headers = login(make_user())
    core = ask(client, "GET", f"/api/mp/v1/cases/{uuid.uuid4()}", language, headers=headers)
    router = ask(client, "GET", "/api/mp/v1/nothing-here", language)
    assert core.status_code == router.status_code == 404
    assert core.get_json()["reason"] == "case.not_found" and router.get_json()["reason"] == "resource.not_found"
    if CHINESE[language]:
        assert (core.get_json()["message"], router.get_json()["message"]) == ("无此案件。", "未找到。")
    else:
        assert core.get_json()["message"] == "No such case."
        assert "not found" in router.get_json()["message"].lower()


def test_everything_but_the_words_is_the_same_in_both_languages(client):
    headers = admin_headers()
    client.post("/api/admin/v1/courts", json=COURT, headers=headers)
    answers = {
        language: client.post(
            "/api/admin/v1/courts", json={**COURT, "region": 7}, headers={**headers, "Accept-Language": language}
        )
        for language in ("zh-CN", "en")
    }
    zh, en = (answers[k].get_json() for k in ("zh-CN", "en"))
    assert answers["zh-CN"].status_code == answers["en"].status_code
    assert {k: v for k, v in zh.items() if k not in {"message", "errors", "request_id"}} == {
        k: v for k, v in en.items() if k not in {"message", "errors", "request_id"}
    }
    assert set(zh["errors"]) == set(en["errors"]) and zh["message"] != en["message"]


def test_the_schemas_own_field_messages_read_in_chinese(client):
    """A schema's own validators (money, NUL, the time range, a regular expression's error) speak the reader's
    language like marshmallow's stock messages: a citizen typing 12000 for the amount reads Chinese."""
    headers = login(make_user())
    body = client.post(
        "/api/mp/v1/cases", json={"amount": 12000, "title": "a\x00b", "kind": "mediation"}, headers=headers
    ).get_json()
    assert body["errors"]["amount"] == ['须为以元计、至多两位小数的十进制字符串，例如 "12000.00"。']
    assert body["errors"]["title"] == ["文本不得包含 NUL 字符。"]
    schedule = client.get("/api/mp/v1/me/schedule?from=1969-12-31T00:00:00%2B08:00", headers=headers).get_json()
    assert schedule["errors"]["from"] == [
        "须为带时区偏移的 RFC 3339 时间，范围为 1970-01-01T00:00:00Z 起至 2100-01-01T00:00:00Z（不含）。"
    ]
    english_schedule = client.get(
        "/api/mp/v1/me/schedule?from=1969-12-31T00:00:00%2B08:00", headers={**headers, "Accept-Language": "en"}
    ).get_json()
    assert english_schedule["errors"]["from"] == [f"Must be {TIME_RANGE_TEXT}."]  # the sentence the docs describe
    code = client.post("/api/mp/v1/auth/sms/verify", json={"phone": "13800138000", "code": "12345"}).get_json()
    assert code["errors"]["code"] == ["须为6位数字。"]
    english = client.post(
        "/api/mp/v1/auth/sms/verify",
        json={"phone": "13800138000", "code": "12345"},
        headers={"Accept-Language": "en"},
    ).get_json()
    assert english["errors"]["code"] == ["Must be 6 digits."]


def test_a_malformed_authorization_header_reads_in_chinese(client):
    for header in ("Basic YWJjOmRlZg==", "Bearer", "Token abc"):
        response = client.get("/api/mp/v1/cases", headers={"Authorization": header})
        body = response.get_json()
        assert (response.status_code, body["reason"]) == (401, "auth.invalid_token")
        assert body["message"] == "需要有效的 Bearer 令牌。"


def test_an_upload_refused_for_its_type_or_size_says_why_in_chinese(client):
    """The reasons of these refusals are module constants (rules.TOO_LARGE ...): the catalogue has their words."""
    from tests.support.cases import file_case
    from tests.support.factories import make_org

    filer = make_user(real_name="张三")
    case = file_case(filer, org=make_org())
    declared = {"filename": "a.pdf", "sha256": "0" * 64, "title": "借条", "category": "书证", "purpose": "证明"}
    url = f"/api/mp/v1/cases/{case.id}/evidence/uploads"
    exe = client.post(
        url, json={**declared, "content_type": "application/x-msdownload", "size": 10}, headers=login(filer)
    )
    assert exe.get_json()["reason"] == "evidence.type_not_allowed"
    assert exe.get_json()["message"].startswith("此类文件不能作为证据提交；允许的类型：")
    huge = client.post(url, json={**declared, "content_type": "application/pdf", "size": 10**11}, headers=login(filer))
    assert (huge.status_code, huge.get_json()["reason"]) == (413, "evidence.too_large")
    assert huge.get_json()["message"].startswith("application/pdf 文件最大为 ")
