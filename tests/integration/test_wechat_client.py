"""The WeChat client against a real HTTP server on 127.0.0.1 that speaks WeChat's documented errcodes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import redis
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.errors import AppError
from app.integrations.wechat import (
    RedisTokenCache,
    SendResult,
    WeChatClient,
    WeChatCodeInvalid,
    WeChatDecryptFailed,
    WeChatRateLimited,
    WeChatRiskyUser,
    WeChatUnavailable,
    WeChatWatermarkMismatch,
    subscribe_value,
)
from tests.support import fake_wechat as fake_wechat_support
from tests.support.fake_wechat import BUSY_ONCE_CODE, PNG_BYTES, RATE_LIMITED_CODE, RISKY_USER_CODE, FakeWeChat

fake_wechat = fake_wechat_support.fake_wechat  # the fixture, used here without a conftest entry

REDIS_URL = os.environ.get("REDIS_TEST_URL", "").strip() or "redis://127.0.0.1:6379/15"


@pytest.fixture
def wx(fake_wechat: FakeWeChat) -> WeChatClient:
    """A client built from config and pointed at the fake server."""
    return WeChatClient.from_config(fake_wechat.config())


def calls_to(fake: FakeWeChat, path: str) -> int:
    with fake.lock:
        return sum(1 for _method, seen in fake.requests if seen == path)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in `count` threads released together; return results (or raised exceptions)."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


# -- login: code2session ---------------------------------------------------------------------------------


def test_code2session_returns_openid_session_key_and_unionid(fake_wechat, wx):
    login = fake_wechat.add_login(unionid="u-123")

    session = wx.code2session(login.code)

    assert (session.openid, session.session_key, session.unionid) == (login.openid, login.session_key, "u-123")
    assert login.session_key not in repr(session)


def test_code2session_without_unionid(fake_wechat, wx):
    login = fake_wechat.add_login()
    assert wx.code2session(login.code).unionid is None


@pytest.mark.parametrize("second_use", [False, True], ids=["unknown-40029", "used-twice-40163"])
def test_unknown_or_reused_code_is_400_invalid_code(fake_wechat, wx, second_use):
    code = "never-issued"
    if second_use:
        code = fake_wechat.add_login().code
        wx.code2session(code)

    with pytest.raises(WeChatCodeInvalid) as caught:
        wx.code2session(code)

    assert (caught.value.http_status, caught.value.reason) == (400, "auth.invalid_code")


@pytest.mark.parametrize(
    ("code", "error", "status", "reason"),
    [
        (RATE_LIMITED_CODE, WeChatRateLimited, 429, "auth.wechat_rate_limited"),
        (RISKY_USER_CODE, WeChatRiskyUser, 403, "auth.wechat_risky_user"),
    ],
)
def test_login_errcodes_map_to_app_errors(fake_wechat, wx, code, error, status, reason):
    with pytest.raises(error) as caught:
        wx.code2session(code)
    assert (caught.value.http_status, caught.value.reason) == (status, reason)
    if status == 429:
        assert int(caught.value.headers["Retry-After"]) > 0


def test_busy_is_retried_once_then_succeeds(fake_wechat, wx):
    session = wx.code2session(BUSY_ONCE_CODE)

    assert session.openid == "o-busy-once"
    assert calls_to(fake_wechat, "/sns/jscode2session") == 2


def test_busy_twice_is_503_after_exactly_one_retry(fake_wechat, wx):
    fake_wechat.raw_answer = (200, b'{"errcode": -1, "errmsg": "system error"}', "text/plain")

    with pytest.raises(WeChatUnavailable) as caught:
        wx.code2session("any-code")

    assert (caught.value.http_status, caught.value.reason) == (503, "wechat.unavailable")
    assert calls_to(fake_wechat, "/sns/jscode2session") == 2


def test_wrong_secret_is_503_without_the_secret_in_the_message(fake_wechat):
    client = WeChatClient.from_config(fake_wechat.config(WECHAT_SECRET="not-the-secret"))

    with pytest.raises(WeChatUnavailable) as caught:
        client.code2session(fake_wechat.add_login().code)

    assert "40125" in caught.value.message and "not-the-secret" not in caught.value.message


def test_unconfigured_client_is_503_and_sends_nothing(fake_wechat):
    client = WeChatClient.from_config(fake_wechat.config(WECHAT_APPID="", WECHAT_SECRET=""))

    for call in (lambda: client.code2session("c"), client.access_token):
        with pytest.raises(WeChatUnavailable):
            call()
    assert fake_wechat.requests == []


def test_blank_code_is_400_without_asking_wechat(fake_wechat, wx):
    with pytest.raises(WeChatCodeInvalid):
        wx.code2session("")
    assert fake_wechat.requests == []


def test_config_rejects_unknown_miniprogram_state(fake_wechat):
    with pytest.raises(ValueError, match="miniprogram_state"):
        WeChatClient.from_config(fake_wechat.config(WECHAT_MINIPROGRAM_STATE="production"))


# -- outages: bounded and mapped to 503 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [(502, b"<html>Bad Gateway</html>", "text/html"), (200, b"<html>not json</html>", "text/html"), (200, b"[]", "")],
    ids=["http-502", "not-json", "json-not-object"],
)
def test_5xx_and_garbage_answers_are_503(fake_wechat, wx, raw):
    fake_wechat.raw_answer = raw
    with pytest.raises(WeChatUnavailable) as caught:
        wx.code2session(fake_wechat.add_login().code)
    assert caught.value.headers["Retry-After"]


def test_closed_port_is_503(fake_wechat):
    client = WeChatClient.from_config(fake_wechat.config(WECHAT_API_BASE=f"http://127.0.0.1:{closed_port()}"))
    with pytest.raises(WeChatUnavailable) as caught:
        client.code2session("some-code")
    assert caught.value.http_status == 503


@pytest.mark.timeout(30)
def test_a_server_that_never_answers_is_503_after_the_timeout(fake_wechat):
    with socket.socket() as silent:  # the kernel accepts connections; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        client = WeChatClient.from_config(fake_wechat.config(WECHAT_API_BASE=base, WECHAT_TIMEOUT_SECONDS="0.3"))
        with pytest.raises(WeChatUnavailable, match="Timeout"):
            client.access_token()


# -- access token ----------------------------------------------------------------------------------------


def test_access_token_is_fetched_once_and_cached(fake_wechat, wx):
    first = wx.access_token()
    second = wx.access_token()

    assert first == second == fake_wechat.current_token
    assert fake_wechat.token_calls == [False]


def test_clients_in_one_process_share_the_token(fake_wechat):
    tokens = {WeChatClient.from_config(fake_wechat.config()).access_token() for _ in range(3)}
    assert len(tokens) == 1
    assert fake_wechat.token_calls == [False]


def test_cached_token_is_refetched_300_seconds_before_it_expires(fake_wechat, wx, clock):
    wx.access_token()
    clock.advance(seconds=7200 - 300 - 120)
    wx.access_token()
    assert fake_wechat.token_calls == [False]

    clock.advance(seconds=120)
    wx.access_token()
    assert fake_wechat.token_calls == [False, False]


def test_one_refresher_under_eight_threads(fake_wechat, wx):
    fake_wechat.token_delay = 0.2  # keep the first fetch in flight while the others arrive

    results = in_threads(8, lambda _i: wx.access_token())

    assert len(set(results)) == 1 and isinstance(results[0], str)
    assert fake_wechat.token_calls == [False]


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_rejected_token_is_replaced_and_the_call_retried_once(fake_wechat, wx, errcode):
    wx.access_token()
    stale = fake_wechat.invalidate_token(errcode)

    phone = wx.phone_number(fake_wechat.add_phone_code("13900139000"))

    assert phone.pure_phone_number == "13900139000"
    assert fake_wechat.token_calls == [False, False]  # replaced elsewhere: no forced refresh spent
    assert wx.access_token() not in {stale, None}
    assert calls_to(fake_wechat, "/wxa/business/getuserphonenumber") == 2


def test_rejected_token_that_wechat_still_hands_out_is_force_refreshed(fake_wechat, wx):
    wx.access_token()
    stale = fake_wechat.invalidate_token(40001, still_issued=True)

    wx.phone_number(fake_wechat.add_phone_code())

    assert fake_wechat.token_calls == [False, False, True]
    assert wx.access_token() == fake_wechat.current_token != stale
    assert calls_to(fake_wechat, "/wxa/business/getuserphonenumber") == 2


def test_token_rejected_twice_is_503_not_a_loop(fake_wechat, wx):
    fake_wechat.reject_every_token = 40001

    with pytest.raises(WeChatUnavailable, match="40001"):
        wx.phone_number(fake_wechat.add_phone_code())

    assert fake_wechat.token_calls == [False, False, True]
    assert calls_to(fake_wechat, "/wxa/business/getuserphonenumber") == 2


def test_many_threads_hitting_a_rejected_token_refresh_it_once(fake_wechat, wx):
    wx.access_token()
    fake_wechat.invalidate_token(40001, still_issued=True)
    fake_wechat.token_delay = 0.2

    results = in_threads(8, lambda _i: wx.wxacode_unlimited("case=abc", "pages/index/index"))

    assert results == [PNG_BYTES] * 8
    assert fake_wechat.token_calls == [False, False, True]


# -- access token shared through Redis -------------------------------------------------------------------


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """The test Redis (db 15); skipped when it does not answer PING."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        pytest.skip(f"Redis at {REDIS_URL} does not answer PING ({type(exc).__name__}); set REDIS_TEST_URL")
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def redis_clients(fake_wechat, redis_client) -> Iterator[tuple[WeChatClient, WeChatClient]]:
    """Two clients that share nothing but the Redis token cache (as two processes would)."""
    settings = fake_wechat.config(WECHAT_TOKEN_REDIS_URL=REDIS_URL)
    pair = (WeChatClient.from_config(settings), WeChatClient.from_config(settings))
    assert all(isinstance(c.token_cache, RedisTokenCache) for c in pair)
    assert pair[0].token_cache is not pair[1].token_cache
    try:
        yield pair
    finally:
        key = pair[0].token_cache.key
        redis_client.delete(key, key + ":lock")


@pytest.mark.redis
def test_redis_cache_is_shared_by_two_clients(fake_wechat, redis_client, redis_clients):
    first, second = redis_clients

    assert first.access_token() == second.access_token()

    assert fake_wechat.token_calls == [False]
    key = first.token_cache.key
    assert redis_client.get(key).decode() == fake_wechat.current_token
    assert 0 < redis_client.pttl(key) <= (7200 - 300) * 1000
    assert redis_client.exists(key + ":lock") == 0


@pytest.mark.redis
def test_redis_lock_lets_one_process_refresh(fake_wechat, redis_clients):
    fake_wechat.token_delay = 0.2
    clients = list(redis_clients) * 4

    results = in_threads(8, lambda i: clients[i].access_token())  # 4 threads on each client

    assert len(set(results)) == 1 and isinstance(results[0], str)
    assert fake_wechat.token_calls == [False]


@pytest.mark.redis
def test_redis_forced_refresh_is_seen_by_the_other_client(fake_wechat, redis_clients):
    first, second = redis_clients
    second.access_token()
    fake_wechat.invalidate_token(40001, still_issued=True)

    first.phone_number(fake_wechat.add_phone_code())
    second.phone_number(fake_wechat.add_phone_code())  # would fail twice if it kept its own stale copy

    assert fake_wechat.token_calls == [False, False, True]
    assert calls_to(fake_wechat, "/wxa/business/getuserphonenumber") == 3


def test_unreachable_redis_falls_back_to_the_process_cache(fake_wechat):
    client = WeChatClient.from_config(fake_wechat.config(WECHAT_TOKEN_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"))

    assert client.access_token() == client.access_token() == fake_wechat.current_token
    assert fake_wechat.token_calls == [False]


# -- phone number ----------------------------------------------------------------------------------------


def test_phone_number_with_watermark(fake_wechat, wx):
    info = wx.phone_number(fake_wechat.add_phone_code("13800138000"))

    assert (info.phone_number, info.pure_phone_number, info.country_code) == ("13800138000", "13800138000", "86")
    assert "13800138000" not in repr(info)


def test_phone_code_is_single_use(fake_wechat, wx):
    code = fake_wechat.add_phone_code()
    wx.phone_number(code)
    with pytest.raises(WeChatCodeInvalid):
        wx.phone_number(code)


def test_phone_number_for_another_miniprogram_is_refused(fake_wechat, wx):
    fake_wechat.watermark_appid = "wx-someone-else"
    with pytest.raises(WeChatWatermarkMismatch) as caught:
        wx.phone_number(fake_wechat.add_phone_code())
    assert (caught.value.http_status, caught.value.reason) == (400, "auth.wechat_watermark_mismatch")


# -- legacy encryptedData --------------------------------------------------------------------------------


def encrypt(payload: object, key: bytes, iv: bytes, *, raw: bytes | None = None) -> str:
    """Encrypt like WeChat does: AES-128-CBC with PKCS#7 padding, base64."""
    padder = padding.PKCS7(128).padder()
    plain = raw if raw is not None else json.dumps(payload).encode()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


KEY, IV = os.urandom(16), os.urandom(16)
B64 = base64.b64encode


def test_legacy_decryption_returns_the_payload(wx):
    payload = {"phoneNumber": "13800138000", "watermark": {"appid": wx.appid, "timestamp": 1}}

    result = wx.decrypt_legacy(B64(KEY).decode(), encrypt(payload, KEY, IV), B64(IV).decode())

    assert result == payload


@pytest.mark.parametrize("watermark", [{"appid": "wx-other"}, None, "wx"], ids=["other-appid", "missing", "not-object"])
def test_legacy_decryption_checks_the_watermark(wx, watermark):
    payload = {"phoneNumber": "13800138000", "watermark": watermark}
    with pytest.raises(WeChatWatermarkMismatch):
        wx.decrypt_legacy(B64(KEY).decode(), encrypt(payload, KEY, IV), B64(IV).decode())


GOOD = {"watermark": {"appid": "set-in-test"}}
GARBAGE = {
    "key-not-base64": lambda data: ("%%%", data, B64(IV).decode()),
    "iv-not-base64": lambda data: (B64(KEY).decode(), data, "not base64!"),
    "data-not-base64": lambda data: (B64(KEY).decode(), "@@@@", B64(IV).decode()),
    "key-too-short": lambda data: (B64(KEY[:8]).decode(), data, B64(IV).decode()),
    "data-truncated": lambda data: (B64(KEY).decode(), B64(base64.b64decode(data)[:-3]).decode(), B64(IV).decode()),
    "empty-data": lambda data: (B64(KEY).decode(), "", B64(IV).decode()),
    "wrong-key": lambda data: (B64(bytes(16)).decode(), data, B64(IV).decode()),
    "not-json": lambda data: (B64(KEY).decode(), encrypt(None, KEY, IV, raw=b"\xff not json"), B64(IV).decode()),
    "json-list": lambda data: (B64(KEY).decode(), encrypt([1, 2], KEY, IV), B64(IV).decode()),
}


@pytest.mark.parametrize("make", GARBAGE.values(), ids=GARBAGE.keys())
def test_legacy_garbage_is_400_decrypt_failed(wx, make):
    data = encrypt({"watermark": {"appid": wx.appid}}, KEY, IV)
    with pytest.raises(WeChatDecryptFailed) as caught:
        wx.decrypt_legacy(*make(data))
    assert (caught.value.http_status, caught.value.reason) == (400, "auth.wechat_decrypt_failed")


# -- mini-program codes ----------------------------------------------------------------------------------


def test_wxacode_returns_png_bytes(fake_wechat, wx):
    image = wx.wxacode_unlimited("c=" + "x" * 30, "pages/case/detail", check_path=True, env_version="trial")

    assert image == PNG_BYTES and image.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("scene", "page", "env_version", "field"),
    [
        ("x" * 33, "pages/index/index", "release", "scene"),
        ("", "pages/index/index", "release", "scene"),
        ("案件", "pages/index/index", "release", "scene"),
        ("a b", "pages/index/index", "release", "scene"),
        ("a%20b", "pages/index/index", "release", "scene"),
        ("ok", "/pages/index/index", "release", "page"),
        ("ok", "pages/index/index?x=1", "release", "page"),
        ("ok", "pages/index/index", "production", "env_version"),
    ],
)
def test_wxacode_input_is_validated_before_calling_wechat(fake_wechat, wx, scene, page, env_version, field):
    with pytest.raises(AppError) as caught:
        wx.wxacode_unlimited(scene, page, env_version=env_version)
    assert caught.value.http_status == 422 and field in caught.value.errors
    assert fake_wechat.requests == []


def test_wxacode_json_errors(fake_wechat, wx):
    with pytest.raises(AppError) as caught:
        wx.wxacode_unlimited("ok", "pages/not/published", check_path=True)
    assert (caught.value.http_status, caught.value.reason) == (422, "wechat.invalid_page")

    fake_wechat.wxacode_errcode = 45009
    with pytest.raises(WeChatRateLimited) as caught:
        wx.wxacode_unlimited("ok", "pages/index/index")
    assert caught.value.http_status == 429 and caught.value.headers["Retry-After"]

    fake_wechat.wxacode_errcode = 40097
    with pytest.raises(WeChatUnavailable, match="40097"):
        wx.wxacode_unlimited("ok", "pages/index/index")


# -- subscribe messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("thing", "调解" * 10, "调解" * 10),
        ("thing", "调解" * 11, "调解" * 9 + "调…"),
        ("phrase", "已受理待审核", "已受理待审"),
        ("name", "欧阳" * 6, "欧阳" * 5),
        ("name", "A" * 25, "A" * 20),
        ("character_string", "X" * 40, "X" * 32),
        ("letter", "a" * 33, "a" * 32),
        ("number", 12345, "12345"),
        ("number", "3.50", "3.50"),
        ("phone_number", "+86-10-12345678", "+86-10-12345678"),
        ("time", dt.datetime(2026, 12, 3, 6, 30, tzinfo=dt.UTC), "2026年12月3日 14:30"),
        ("time", dt.datetime(2026, 1, 5, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))), "2026年1月5日 09:05"),
        ("date", dt.date(2026, 12, 3), "2026年12月3日"),
    ],
)
def test_subscribe_value_formats_and_truncates(kind, value, expected):
    assert subscribe_value(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("time", dt.datetime(2026, 12, 3, 14, 30)),  # naive: refused rather than guessed
        ("time", dt.date(2026, 12, 3)),
        ("number", "12a"),
        ("number", "1" * 33),
        ("phone_number", "1" * 18),
        ("phone_number", "call me"),
    ],
)
def test_subscribe_value_refuses_what_cannot_be_truncated(kind, value):
    with pytest.raises(ValueError):
        subscribe_value(kind, value)


def test_send_subscribe_message_formats_and_records(fake_wechat):
    client = WeChatClient.from_config(fake_wechat.config(WECHAT_MINIPROGRAM_STATE="trial"))
    title = "关于" + "借款合同纠纷" * 5
    data = {"thing1": title, "time2": dt.datetime(2026, 12, 3, 6, 30, tzinfo=dt.UTC), "phrase3": "待签收"}

    result = client.send_subscribe_message("o-user", "tmpl-1", "pages/case/detail?id=c1", data)

    assert result == SendResult(ok=True, errcode=0, errmsg="ok") and not result.fallback_to_sms
    [sent] = fake_wechat.sent_messages
    assert sent["data"]["thing1"]["value"] == title[:19] + "…"
    assert sent["data"]["time2"] == {"value": "2026年12月3日 14:30"}
    assert (sent["touser"], sent["template_id"], sent["miniprogram_state"], sent["lang"]) == (
        "o-user",
        "tmpl-1",
        "trial",
        "zh_CN",
    )


def test_refused_subscribe_message_says_fall_back_to_sms_and_is_not_retried(fake_wechat, wx):
    fake_wechat.refusing_users.add("o-refuser")

    result = wx.send_subscribe_message("o-refuser", "tmpl-1", "pages/index/index", {"thing1": "开庭提醒"})

    assert (result.ok, result.errcode, result.refused, result.fallback_to_sms) == (False, 43101, True, True)
    assert calls_to(fake_wechat, "/cgi-bin/message/subscribe/send") == 1
    assert fake_wechat.sent_messages == []


def test_subscribe_send_survives_a_rejected_token(fake_wechat, wx):
    wx.access_token()
    fake_wechat.invalidate_token(42001)

    result = wx.send_subscribe_message("o-user", "tmpl-1", "pages/index/index", {"thing1": "开庭提醒"})

    assert result.ok and len(fake_wechat.sent_messages) == 1


# -- nothing secret in logs or errors --------------------------------------------------------------------


def test_no_secret_code_session_key_token_or_phone_in_logs(fake_wechat, caplog):
    caplog.set_level(logging.DEBUG)
    client = WeChatClient.from_config(fake_wechat.config())
    login, phone_code = fake_wechat.add_login(), fake_wechat.add_phone_code("13712345678")
    session = client.code2session(login.code)
    client.phone_number(phone_code)
    token = fake_wechat.invalidate_token()
    client.send_subscribe_message("o-user", "tmpl-1", "pages/index/index", {"thing1": "x"})
    errors = []
    for base in (fake_wechat.base_url, f"http://127.0.0.1:{closed_port()}"):
        broken = WeChatClient.from_config(fake_wechat.config(WECHAT_API_BASE=base, WECHAT_SECRET="s3cr3t-value"))
        with pytest.raises(WeChatUnavailable) as caught:
            broken.code2session("code-in-url-0001")
        errors.append(caught.value.message)

    text = caplog.text + " ".join(errors)
    assert "wechat" in caplog.text  # the client did log what happened
    for canary in (fake_wechat.secret, "s3cr3t-value", login.code, "code-in-url-0001", session.session_key, phone_code):
        assert canary not in text
    for canary in (token, fake_wechat.current_token, "13712345678"):
        assert canary not in text
