"""A small but real WeChat API server on 127.0.0.1 for tests, speaking the documented errcodes over HTTP.

Use the `fake_wechat` fixture (`from tests.support.fake_wechat import fake_wechat`), register what a
test needs (`add_login`, `add_phone_code`, `refusing_users` ...), point a client at `fake.base_url` and
assert on the recorded state (`token_calls`, `sent_messages`, `requests`).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

BUSY_ONCE_CODE = "code-busy-once"  # answers -1 the first time, then logs in like any registered code
RATE_LIMITED_CODE = "code-rate-limited"  # 45011
RISKY_USER_CODE = "code-risky-user"  # 40226
TOKEN_LIFETIME = 7200
# A 1x1 transparent PNG: what getwxacodeunlimit answers with (image/png) on success.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
SUBSCRIBE_LIMITS = {"thing": 20, "number": 32, "letter": 32, "character_string": 32, "phrase": 5, "phone_number": 17}


@dataclass
class Login:
    """A js_code that WeChat would accept once."""

    code: str
    openid: str
    session_key: str
    unionid: str | None = None


@dataclass
class FakeWeChat:
    """The server's state; every field may be read (and most set) by tests, under `lock` when racing."""

    appid: str = field(default_factory=lambda: "wx" + secrets.token_hex(8))
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    logins: dict[str, Login] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    busy_once_answered: bool = False
    phone_codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (country code, pure number)
    watermark_appid: str | None = None  # set to answer phone numbers with another mini-program's watermark
    token_calls: list[bool] = field(default_factory=list)  # force_refresh of every stable_token call
    token_delay: float = 0.0  # seconds stable_token waits before answering (widens refresh races)
    current_token: str | None = None
    token_expires_at: float = 0.0
    valid_tokens: set[str] = field(default_factory=set)
    rejected_tokens: dict[str, int] = field(default_factory=dict)  # token -> errcode it is answered with
    reject_every_token: int | None = None  # answer every token-bearing call with this errcode
    pages: set[str] = field(default_factory=lambda: {"pages/index/index", "pages/case/detail"})
    wxacode_errcode: int | None = None  # answer getwxacodeunlimit with this errcode (e.g. 45009)
    refusing_users: set[str] = field(default_factory=set)  # openids that answer 43101
    sent_messages: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request
    raw_answer: tuple[int, bytes, str] | None = None  # (status, body, content type) for every request: outages
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """The http://127.0.0.1:port base to configure as WECHAT_API_BASE."""
        assert self.server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeWeChat:
        """Serve on a free port in a daemon thread."""
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        serve = threading.Thread(target=self.server.serve_forever, args=(0.05,), name="fake-wechat", daemon=True)
        serve.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def config(self, **overrides: object) -> dict[str, object]:
        """The WECHAT_* settings that point a client at this server."""
        settings: dict[str, object] = {
            "WECHAT_API_BASE": self.base_url,
            "WECHAT_APPID": self.appid,
            "WECHAT_SECRET": self.secret,
            "WECHAT_TIMEOUT_SECONDS": 5,
            "WECHAT_MINIPROGRAM_STATE": "formal",
        }
        settings.update(overrides)
        return settings

    def add_login(self, openid: str | None = None, unionid: str | None = None) -> Login:
        """Register a fresh single-use js_code."""
        login = Login(
            code="code-" + secrets.token_hex(8),
            openid=openid or "o" + secrets.token_hex(12),
            session_key=_session_key(),
            unionid=unionid,
        )
        with self.lock:
            self.logins[login.code] = login
        return login

    def add_phone_code(self, pure_number: str = "13800138000", country_code: str = "86") -> str:
        """Register a single-use getPhoneNumber code."""
        code = "phone-" + secrets.token_hex(8)
        with self.lock:
            self.phone_codes[code] = (country_code, pure_number)
        return code

    def invalidate_token(self, errcode: int = 40001, *, still_issued: bool = False) -> str:
        """Make the current token be answered with errcode (40001/40014/42001) from now on.

        By default it was replaced elsewhere, so stable_token's normal mode hands out a new one; with
        `still_issued` normal mode keeps handing out the rejected token and only force_refresh helps.
        """
        with self.lock:
            token = self.current_token
            assert token, "no token issued yet"
            self.rejected_tokens[token] = errcode
            if not still_issued:
                self.current_token = None
        return token

    # -- the endpoints (called by the handler, under the lock) ------------------------------------------

    def jscode2session(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if query.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        code = query.get("js_code", "")
        if code == BUSY_ONCE_CODE and not self.busy_once_answered:
            self.busy_once_answered = True
            return _error(-1, "system error")
        if code == BUSY_ONCE_CODE:
            return {"openid": "o-busy-once", "session_key": _session_key()}
        if code == RATE_LIMITED_CODE:
            return _error(45011, "api minute-quota reach limit")
        if code == RISKY_USER_CODE:
            return _error(40226, "invalid user")
        if code in self.used_codes:
            return _error(40163, "code been used")
        login = self.logins.pop(code, None)
        if login is None:
            return _error(40029, "invalid code")
        self.used_codes.add(code)
        answer = {"openid": login.openid, "session_key": login.session_key}  # no errcode, as WeChat does
        if login.unionid:
            answer["unionid"] = login.unionid
        return answer

    def stable_token(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("grant_type") != "client_credential" or body.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if body.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        force = bool(body.get("force_refresh"))
        self.token_calls.append(force)
        now = time.monotonic()
        if force or not self.current_token or now >= self.token_expires_at:
            if force and self.current_token:  # WeChat: a forced refresh ends the previous token
                self.rejected_tokens[self.current_token] = 40001
            self.current_token = "tok-" + secrets.token_hex(12)
            self.token_expires_at = now + TOKEN_LIFETIME
            self.valid_tokens.add(self.current_token)
        return {"access_token": self.current_token, "expires_in": int(self.token_expires_at - now)}

    def token_error(self, query: dict[str, str]) -> dict[str, Any] | None:
        token = query.get("access_token")
        if not token:
            return _error(41001, "access_token missing")
        if self.reject_every_token is not None:
            return _error(self.reject_every_token, "invalid credential, access_token is invalid or not latest")
        if token in self.rejected_tokens:
            return _error(self.rejected_tokens[token], "invalid credential, access_token is invalid or not latest")
        if token not in self.valid_tokens:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        return None

    def getuserphonenumber(self, body: dict[str, Any]) -> dict[str, Any]:
        entry = self.phone_codes.pop(str(body.get("code", "")), None)
        if entry is None:
            return _error(40029, "invalid code")
        country, pure = entry
        info = {
            "phoneNumber": pure if country == "86" else f"+{country}{pure}",
            "purePhoneNumber": pure,
            "countryCode": country,
            "watermark": {"timestamp": int(time.time()), "appid": self.watermark_appid or self.appid},
        }
        return {"errcode": 0, "errmsg": "ok", "phone_info": info}

    def getwxacodeunlimit(self, body: dict[str, Any]) -> dict[str, Any] | bytes:
        if self.wxacode_errcode is not None:
            return _error(self.wxacode_errcode, "reach max api daily quota limit")
        scene = str(body.get("scene", ""))
        if not scene or len(scene) > 32:
            return _error(40169, "invalid length for scene")
        if body.get("check_path", True) and body.get("page") not in self.pages:
            return _error(41030, "invalid page")
        return PNG_BYTES

    def subscribe_send(self, body: dict[str, Any]) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict) or not all(isinstance(v, dict) and "value" in v for v in data.values()):
            return _error(47003, "argument invalid! data format invalid")
        for key, value in data.items():
            limit = SUBSCRIBE_LIMITS.get(key.rstrip("0123456789"))
            if limit is not None and len(str(value["value"])) > limit:
                return _error(47003, f"argument invalid! data.{key}.value too long")
        if body.get("touser") in self.refusing_users:
            return _error(43101, "user refuse to accept the msg")
        self.sent_messages.append(body)
        return {"errcode": 0, "errmsg": "ok"}


def _session_key() -> str:
    """Like WeChat's: base64 of 16 random bytes, usable as the AES-128 key of legacy encryptedData."""
    return base64.b64encode(secrets.token_bytes(16)).decode()


def _error(errcode: int, errmsg: str) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(6)}"}


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the FakeWeChat bound as `fake`; quiet, HTTP/1.1, JSON or PNG answers."""

    fake: FakeWeChat
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections are closed rather than held forever
    POST_ROUTES = {
        "/wxa/business/getuserphonenumber": "getuserphonenumber",
        "/wxa/getwxacodeunlimit": "getwxacodeunlimit",
        "/cgi-bin/message/subscribe/send": "subscribe_send",
    }

    def log_message(self, format: str, *args: object) -> None:  # the stdlib logs every request to stderr
        pass

    def do_GET(self) -> None:
        path, query = self._target()
        if self.fake.raw_answer is not None:
            return self._send(*self.fake.raw_answer)
        if path != "/sns/jscode2session":
            return self._send(404, b"not found", "text/plain")
        with self.fake.lock:
            answer = self.fake.jscode2session(query)
        return self._send(200, json.dumps(answer).encode(), "text/plain")  # WeChat really says text/plain

    def do_POST(self) -> None:
        path, query = self._target()
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._json(_error(47001, "data format error"))
        if self.fake.raw_answer is not None:
            return self._send(*self.fake.raw_answer)
        if path == "/cgi-bin/stable_token":
            time.sleep(self.fake.token_delay)
            with self.fake.lock:
                return self._json(self.fake.stable_token(body))
        if path not in self.POST_ROUTES:
            return self._send(404, b"not found", "text/plain")
        with self.fake.lock:
            answer = self.fake.token_error(query) or getattr(self.fake, self.POST_ROUTES[path])(body)
        if isinstance(answer, bytes):
            return self._send(200, answer, "image/png")
        return self._json(answer)

    def _target(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        with self.fake.lock:
            self.fake.requests.append((self.command, parts.path))
        return parts.path, dict(parse_qsl(parts.query))

    def _json(self, answer: dict[str, Any]) -> None:
        self._send(200, json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json; charset=UTF-8")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    """A fresh fake WeChat API server on 127.0.0.1 for one test (its own appid, so caches never collide)."""
    fake = FakeWeChat().start()
    try:
        yield fake
    finally:
        fake.stop()
