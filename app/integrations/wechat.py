"""WeChat mini-program platform client: login, access token, phone number, codes and subscribe messages.

Config keys read by `WeChatClient.from_config`: WECHAT_API_BASE, WECHAT_APPID, WECHAT_SECRET,
WECHAT_TIMEOUT_SECONDS, WECHAT_MINIPROGRAM_STATE and WECHAT_TOKEN_REDIS_URL (falling back to REDIS_URL).
Secrets, codes, session keys, tokens and phone numbers are never logged and never put in error messages.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis
import requests
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.errors import AppError, BadRequest, Forbidden, RateLimited, ServiceUnavailable, ValidationFailed
from app.utils import clock

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
MINIPROGRAM_STATES = ("formal", "trial", "developer")
ENV_VERSIONS = ("release", "trial", "develop")
BUSY, REFUSED = -1, 43101
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
TRANSIENT_ERRORS = frozenset({BUSY, 45009, 45011})
TOKEN_MARGIN_SECONDS = 300
SCENE_RE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")
PHONE_RE = re.compile(r"[0-9+\- ]{1,17}")
SUBSCRIBE_LIMITS = {"thing": 20, "number": 32, "letter": 32, "character_string": 32, "phrase": 5, "phone_number": 17}
FetchToken = Callable[[], tuple[str, float]]


class WeChatUnavailable(ServiceUnavailable):
    """WeChat did not answer usefully: network failure, 5xx, not JSON, busy, or an unexpected errcode."""

    reason = "wechat.unavailable"
    default_message = "WeChat is unavailable; try again shortly."


class WeChatCodeInvalid(BadRequest):
    """The wx.login or phone code is unknown, expired or already used (40029/40163)."""

    reason = "auth.invalid_code"
    default_message = "The WeChat code is invalid, expired or already used."


class WeChatRateLimited(RateLimited):
    """WeChat refused because of its rate limits (45011 per user, 45009 API quota)."""

    reason = "auth.wechat_rate_limited"
    default_message = "WeChat is rate limiting this request; try again later."


class WeChatRiskyUser(Forbidden):
    """WeChat flagged the user as high risk (40226)."""

    reason = "auth.wechat_risky_user"
    default_message = "WeChat refused this account; use SMS sign-in instead."


class WeChatWatermarkMismatch(BadRequest):
    """The data was produced for another mini-program (watermark.appid is not ours)."""

    reason = "auth.wechat_watermark_mismatch"
    default_message = "The data was not issued for this mini-program."


class WeChatDecryptFailed(BadRequest):
    """Legacy encryptedData could not be decrypted (bad base64, key, padding or JSON)."""

    reason = "auth.wechat_decrypt_failed"
    default_message = "The encrypted WeChat data could not be decrypted."


@dataclass(frozen=True, slots=True)
class WeChatSession:
    """What code2session returns; session_key stays on the server and out of reprs and logs."""

    openid: str
    session_key: str = field(repr=False)
    unionid: str | None = None


@dataclass(frozen=True, slots=True)
class PhoneInfo:
    """A verified phone number from getuserphonenumber (hidden from reprs)."""

    phone_number: str = field(repr=False)
    pure_phone_number: str = field(repr=False)
    country_code: str


@dataclass(frozen=True, slots=True)
class SendResult:
    """The final outcome of one subscribe-message send; transient failures raise instead."""

    ok: bool
    errcode: int = 0
    errmsg: str = ""

    @property
    def refused(self) -> bool:
        """The user has not granted (or used up) this template: do not retry."""
        return self.errcode == REFUSED

    @property
    def fallback_to_sms(self) -> bool:
        """The message did not reach WeChat and will not by retrying: notify by SMS instead."""
        return not self.ok


def subscribe_value(kind: str, value: object) -> str:
    """Format one subscribe-message value for its keyword kind, truncating text beyond WeChat's limit."""
    if kind in ("time", "date"):
        return _format_time(value, with_clock=kind == "time")
    text = str(value).strip()
    if kind == "number" and not (NUMBER_RE.fullmatch(text) and len(text) <= 32):
        raise ValueError("a number keyword takes at most 32 digits (with an optional decimal point)")
    if kind == "phone_number" and not PHONE_RE.fullmatch(text):
        raise ValueError("a phone_number keyword takes at most 17 digits and + - characters")
    limit = (20 if text.isascii() else 10) if kind == "name" else SUBSCRIBE_LIMITS.get(kind)
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…" if kind == "thing" else text[:limit]


def _format_time(value: object, *, with_clock: bool) -> str:
    """Render `2026年12月3日 14:30` (time) or `2026年12月3日` (date) in Asia/Shanghai."""
    if isinstance(value, dt.datetime):
        local: dt.date = clock.as_utc(value).astimezone(clock.SHANGHAI)  # refuses naive datetimes
    elif isinstance(value, dt.date) and not with_clock:
        local = value
    else:
        raise ValueError("a time keyword needs an aware datetime (a date keyword also takes a date)")
    text = f"{local.year}年{local.month}月{local.day}日"
    return f"{text} {local:%H:%M}" if with_clock else text


def _kind_of(key: str) -> str:
    return key.rstrip("0123456789")


class MemoryTokenCache:
    """The access token cached in this process; a lock lets one thread refresh while others wait."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[str, float] | None = None

    def get(self) -> str | None:
        """Return the cached token while it is fresh, else None."""
        entry = self._entry
        return entry[0] if entry and clock.now().timestamp() < entry[1] else None

    def refresh(self, fetch: FetchToken, *, stale: str | None) -> str:
        """Fetch a new token unless another thread already replaced `stale` while we waited."""
        with self._lock:
            current = self.get()
            if current and current != stale:
                return current
            self._entry = None
            token, ttl = fetch()
            self._entry = (token, clock.now().timestamp() + ttl)
            return token


class RedisTokenCache:
    """The access token shared by every process through Redis; a SET NX PX lock lets one refresh."""

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, client: redis.Redis, appid: str, *, lock_seconds: float = 15.0) -> None:
        self.client = client
        self.key = f"microcourt:wechat:{appid}:access_token"
        self.lock_key = self.key + ":lock"
        self.lock_seconds = lock_seconds
        self._fallback = MemoryTokenCache()  # used only while Redis is unreachable

    def get(self) -> str | None:
        """Return the shared token, or this process's own while Redis is down."""
        try:
            value = self.client.get(self.key)
        except redis.RedisError as exc:
            log.warning("wechat token cache unreachable (%s); using the in-process cache", type(exc).__name__)
            return self._fallback.get()
        return value.decode() if isinstance(value, bytes) else value

    def refresh(self, fetch: FetchToken, *, stale: str | None) -> str:
        """Refresh under the shared lock; without Redis fall back to the in-process cache."""
        try:
            return self._refresh_shared(fetch, stale=stale)
        except redis.RedisError as exc:
            log.warning("wechat token cache unreachable (%s); refreshing in-process", type(exc).__name__)
            return self._fallback.refresh(fetch, stale=stale)

    def _refresh_shared(self, fetch: FetchToken, *, stale: str | None) -> str:
        owner = secrets.token_hex(8)
        deadline = time.monotonic() + self.lock_seconds + 1
        while not self.client.set(self.lock_key, owner, nx=True, px=int(self.lock_seconds * 1000)):
            current = self.get()
            if current and current != stale:
                return current
            if time.monotonic() > deadline:
                raise WeChatUnavailable("The WeChat access token is being refreshed elsewhere; try again shortly.")
            time.sleep(0.05)
        try:
            current = self.get()
            if current and current != stale:
                return current
            self.client.delete(self.key)
            token, ttl = fetch()
            self.client.set(self.key, token, px=max(1, int(ttl * 1000)))
            return token
        finally:
            with contextlib.suppress(redis.RedisError):
                self.client.eval(self._RELEASE, 1, self.lock_key, owner)


TokenCache = MemoryTokenCache | RedisTokenCache
_process_caches: dict[tuple[str, str], MemoryTokenCache] = {}
_process_caches_lock = threading.Lock()


def _process_cache(api_base: str, appid: str) -> MemoryTokenCache:
    """One in-process cache per mini-program, shared by every client built in this process."""
    with _process_caches_lock:
        return _process_caches.setdefault((api_base, appid), MemoryTokenCache())


class _RedactQuery(logging.Filter):
    """Blank secret query values in urllib3's debug lines (code2session sends them in the URL)."""

    PATTERN = re.compile(r"((?:secret|js_code|access_token)=)[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.PATTERN.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args)
        return True


def _install_redaction() -> None:
    target = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactQuery) for f in target.filters):
        target.addFilter(_RedactQuery())


@dataclass(frozen=True, slots=True)
class _Reply:
    data: dict[str, Any] = field(default_factory=dict)
    image: bytes | None = None

    @property
    def errcode(self) -> int:
        try:
            return int(self.data.get("errcode") or 0)
        except (TypeError, ValueError):
            return -2  # unreadable: an unknown failure, never success


def _error_for(api: str, reply: _Reply) -> AppError:
    """Return the AppError that a WeChat errcode stands for (the caller raises it)."""
    code = reply.errcode
    log.warning("wechat %s answered errcode %s", api, code, extra={"wechat_api": api, "wechat_errcode": code})
    if code in (40029, 40163):
        return WeChatCodeInvalid()
    if code == 45011:
        return WeChatRateLimited(retry_after=60)
    if code == 45009:
        return WeChatRateLimited("The WeChat API quota is used up.", reason="wechat.rate_limited", retry_after=3600)
    if code == 40226:
        return WeChatRiskyUser()
    return WeChatUnavailable(f"WeChat {api} answered errcode {code}.")


def _new_session() -> requests.Session:
    """A pooled session that never retries on its own (retries are decided per errcode here)."""
    http = requests.Session()
    for prefix in ("http://", "https://"):
        http.mount(prefix, requests.adapters.HTTPAdapter(pool_maxsize=20, max_retries=0))
    return http


class WeChatClient:
    """A thin client of one mini-program's server API; plain values in, typed values or AppErrors out."""

    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 5.0,
        miniprogram_state: str = "formal",
        token_cache: TokenCache | None = None,
        http: requests.Session | None = None,
    ) -> None:
        if miniprogram_state not in MINIPROGRAM_STATES:
            raise ValueError(f"miniprogram_state must be one of {MINIPROGRAM_STATES}")
        if not timeout > 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.appid = appid
        self._secret = secret
        self.api_base = api_base.rstrip("/")
        self.timeout = float(timeout)
        self.miniprogram_state = miniprogram_state
        self.token_cache: TokenCache = token_cache or _process_cache(self.api_base, appid)
        self._http = http or _new_session()
        _install_redaction()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WeChatClient:
        """Build a client from app.config (or any mapping of the WECHAT_* keys)."""
        timeout = float(config.get("WECHAT_TIMEOUT_SECONDS") or 5)
        appid = str(config.get("WECHAT_APPID") or "")
        redis_url = str(config.get("WECHAT_TOKEN_REDIS_URL") or config.get("REDIS_URL") or "")
        cache = None
        if redis_url:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=timeout, socket_timeout=timeout)
            cache = RedisTokenCache(client, appid, lock_seconds=3 * timeout + 1)  # a refresh makes up to 3 calls
        return cls(
            appid=appid,
            secret=str(config.get("WECHAT_SECRET") or ""),
            api_base=str(config.get("WECHAT_API_BASE") or DEFAULT_API_BASE),
            timeout=timeout,
            miniprogram_state=str(config.get("WECHAT_MINIPROGRAM_STATE") or "formal"),
            token_cache=cache,
        )

    # -- login and user data ---------------------------------------------------------------------------

    def code2session(self, js_code: str) -> WeChatSession:
        """Exchange a wx.login code for openid, session_key and unionid (retrying once when WeChat is busy)."""
        self._require_credentials()
        if not js_code:
            raise WeChatCodeInvalid()
        params = {"appid": self.appid, "secret": self._secret, "js_code": js_code, "grant_type": "authorization_code"}
        reply = self._retry_busy(lambda: self._request("jscode2session", "GET", "/sns/jscode2session", params=params))
        if reply.errcode:
            raise _error_for("jscode2session", reply)
        openid, session_key = reply.data.get("openid"), reply.data.get("session_key")
        if not isinstance(openid, str) or not openid or not isinstance(session_key, str) or not session_key:
            raise WeChatUnavailable("WeChat jscode2session answered without openid or session_key.")
        unionid = reply.data.get("unionid")
        return WeChatSession(openid, session_key, unionid if isinstance(unionid, str) and unionid else None)

    def phone_number(self, code: str) -> PhoneInfo:
        """Exchange a getPhoneNumber code for the user's verified phone number."""
        if not code:
            raise WeChatCodeInvalid()
        reply = self._call_with_token("getuserphonenumber", "/wxa/business/getuserphonenumber", {"code": code})
        if reply.errcode:
            raise _error_for("getuserphonenumber", reply)
        info = reply.data.get("phone_info")
        if not isinstance(info, dict) or not info.get("phoneNumber"):
            raise WeChatUnavailable("WeChat getuserphonenumber answered without phone_info.")
        self._check_watermark(info)
        return PhoneInfo(
            phone_number=str(info["phoneNumber"]),
            pure_phone_number=str(info.get("purePhoneNumber") or ""),
            country_code=str(info.get("countryCode") or ""),
        )

    def decrypt_legacy(self, session_key_b64: str, encrypted_data_b64: str, iv_b64: str) -> dict[str, Any]:
        """Decrypt legacy encryptedData (AES-128-CBC, PKCS#7) and check that its watermark is ours."""
        try:
            key, data, iv = (base64.b64decode(v, validate=True) for v in (session_key_b64, encrypted_data_b64, iv_b64))
        except (binascii.Error, ValueError, TypeError):
            raise WeChatDecryptFailed() from None
        if len(key) != 16 or len(iv) != 16 or not data or len(data) % 16:
            raise WeChatDecryptFailed()
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            plain = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
            payload = json.loads(plain.decode("utf-8"))
        except ValueError:  # bad padding, not UTF-8, not JSON
            raise WeChatDecryptFailed() from None
        if not isinstance(payload, dict):
            raise WeChatDecryptFailed()
        self._check_watermark(payload)
        return payload

    # -- access token ----------------------------------------------------------------------------------

    def access_token(self) -> str:
        """Return the cached access token, refreshing it (one refresher at a time) when missing or stale."""
        self._require_credentials()
        return self.token_cache.get() or self.token_cache.refresh(self._fetch_token, stale=None)

    def _replace_token(self, stale: str) -> tuple[str, float]:
        """Fetch a token to replace a rejected one; force a new one only if WeChat hands back the same."""
        token, ttl = self._fetch_token()
        if token != stale:  # it was replaced elsewhere (or expired): no need to spend a forced refresh
            return token, ttl
        return self._fetch_token(force=True)

    def _fetch_token(self, force: bool = False) -> tuple[str, float]:
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self._secret, "force_refresh": force}
        reply = self._retry_busy(lambda: self._request("stable_token", "POST", "/cgi-bin/stable_token", body=body))
        if reply.errcode:
            raise _error_for("stable_token", reply)
        token, expires_in = reply.data.get("access_token"), reply.data.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int) or expires_in <= 0:
            raise WeChatUnavailable("WeChat stable_token answered without a usable token.")
        log.info("wechat access token fetched", extra={"wechat_force_refresh": force, "wechat_expires_in": expires_in})
        return token, max(expires_in - TOKEN_MARGIN_SECONDS, expires_in // 2)

    # -- mini-program codes and subscribe messages -----------------------------------------------------

    def wxacode_unlimited(self, scene: str, page: str, check_path: bool = False, env_version: str = "release") -> bytes:
        """Return the image bytes of an unlimited mini-program code that opens `page` with `scene`."""
        problems: dict[str, list[str]] = {}
        if not isinstance(scene, str) or not SCENE_RE.fullmatch(scene):
            problems["scene"] = ["1 to 32 characters: letters, digits and !#$&'()*+,/:;=?@-._~"]
        if not page or page.startswith("/") or "?" in page:
            problems["page"] = ["a page path like pages/case/detail, without a leading / or a query"]
        if env_version not in ENV_VERSIONS:
            problems["env_version"] = [f"one of {', '.join(ENV_VERSIONS)}"]
        if problems:
            raise ValidationFailed(errors=problems)
        body = {"scene": scene, "page": page, "check_path": check_path, "env_version": env_version}
        reply = self._call_with_token("getwxacodeunlimit", "/wxa/getwxacodeunlimit", body, image=True)
        if reply.image is not None:
            return reply.image
        if reply.errcode == 41030:
            raise ValidationFailed(reason="wechat.invalid_page", errors={"page": ["not a page of this version"]})
        raise _error_for("getwxacodeunlimit", reply)

    def send_subscribe_message(
        self, touser: str, template_id: str, page: str, data: Mapping[str, object], lang: str = "zh_CN"
    ) -> SendResult:
        """Send one subscribe message; a refusal (43101) is a result, transient failures raise."""
        body = {
            "touser": touser,
            "template_id": template_id,
            "page": page,
            "data": {key: {"value": subscribe_value(_kind_of(key), value)} for key, value in data.items()},
            "miniprogram_state": self.miniprogram_state,
            "lang": lang,
        }
        reply = self._call_with_token("subscribe.send", "/cgi-bin/message/subscribe/send", body)
        code = reply.errcode
        if code in TRANSIENT_ERRORS or code in TOKEN_ERRORS:
            raise _error_for("subscribe.send", reply)
        if code:
            log.info("wechat subscribe message not sent", extra={"wechat_errcode": code})
        return SendResult(ok=code == 0, errcode=code, errmsg=str(reply.data.get("errmsg") or ""))

    # -- plumbing --------------------------------------------------------------------------------------

    def _require_credentials(self) -> None:
        if not self.appid or not self._secret:
            raise WeChatUnavailable("WeChat is not configured (WECHAT_APPID and WECHAT_SECRET).")

    def _check_watermark(self, payload: Mapping[str, Any]) -> None:
        watermark = payload.get("watermark")
        if not isinstance(watermark, dict) or watermark.get("appid") != self.appid:
            log.warning("wechat data carries another mini-program's watermark")
            raise WeChatWatermarkMismatch()

    def _retry_busy(self, send: Callable[[], _Reply]) -> _Reply:
        reply = send()
        if reply.errcode == BUSY:
            log.info("wechat is busy (errcode -1); retrying once")
            reply = send()
        return reply

    def _call_with_token(self, api: str, path: str, body: dict[str, Any], *, image: bool = False) -> _Reply:
        """POST with the access token; on a rejected token replace it and retry exactly once."""
        token = self.access_token()
        reply = self._request(api, "POST", path, params={"access_token": token}, body=body, image=image)
        if reply.errcode in TOKEN_ERRORS:
            log.warning("wechat %s rejected the access token (errcode %s); refreshing once", api, reply.errcode)
            stale = token
            token = self.token_cache.refresh(lambda: self._replace_token(stale), stale=stale)
            reply = self._request(api, "POST", path, params={"access_token": token}, body=body, image=image)
        return reply

    def _request(
        self,
        api: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        image: bool = False,
    ) -> _Reply:
        """One HTTP exchange; every outage (refused, timeout, 5xx, not JSON) becomes WeChatUnavailable."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
        try:
            resp = self._http.request(
                method, self.api_base + path, params=params, data=data, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:  # its text holds the URL (secret, code, token): never log it
            log.error("wechat %s unreachable: %s", api, type(exc).__name__)
            raise WeChatUnavailable(f"WeChat is unreachable ({type(exc).__name__}).") from None
        if resp.status_code != 200:
            log.error("wechat %s answered HTTP %s", api, resp.status_code)
            raise WeChatUnavailable(f"WeChat answered HTTP {resp.status_code}.")
        if image and resp.headers.get("Content-Type", "").startswith("image/"):
            return _Reply(image=resp.content)
        try:
            payload = json.loads(resp.content)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            log.error("wechat %s answered something that is not a JSON object", api)
            raise WeChatUnavailable("WeChat answered something that is not JSON.")
        return _Reply(data=payload)
