"""TRTC UserSig (TLS signature v2): pure functions, no database, no Flask.

The scheme is Tencent Cloud's published one (TLSSigAPIv2): HMAC-SHA256 with the app's secret key over
"TLS.identifier:<id>\\nTLS.sdkappid:<app>\\nTLS.time:<t>\\nTLS.expire:<seconds>\\n", base64 of the digest put in a
JSON document with TLS.ver "2.0", the identifier, sdkappid, expire and time, zlib-compressed, base64-encoded with
'+' -> '*', '/' -> '-', '=' -> '_'. Also the callback signature: base64(HMAC-SHA256(callback key, body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
import zlib

ROOM_USER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _content(identifier: str, sdk_app_id: int, issued: int, expire: int) -> bytes:
    text = f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdk_app_id}\nTLS.time:{issued}\nTLS.expire:{expire}\n"
    return text.encode()


def _url_b64(data: bytes) -> str:
    return base64.b64encode(data).decode().replace("+", "*").replace("/", "-").replace("=", "_")


def gen_user_sig(*, sdk_app_id: int, secret_key: str, identifier: str, expire: int, now: int) -> str:
    """The UserSig that lets `identifier` into the app's rooms for `expire` seconds from `now` (Unix seconds)."""
    if not ROOM_USER_PATTERN.match(identifier):
        raise ValueError("a TRTC user id is 1-32 letters, digits, '_' or '-'")
    digest = hmac.new(secret_key.encode(), _content(identifier, sdk_app_id, now, expire), hashlib.sha256).digest()
    doc = {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdk_app_id,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": base64.b64encode(digest).decode(),
    }
    return _url_b64(zlib.compress(json.dumps(doc).encode()))


def room_user_id(secret: str, user_id: uuid.UUID) -> str:
    """The stable, opaque id of an account inside rooms: derived from the user id, never chosen by the phone."""
    mac = hmac.new(secret.encode(), b"microcourt-video-user:" + user_id.bytes, hashlib.sha256).hexdigest()
    return "mc_" + mac[:29]


def room_id_for(session_id: uuid.UUID) -> str:
    """The provider's string room id of a session (TRTC strRoomId: at most 64 letters, digits and '_')."""
    return "mc_" + session_id.hex


def callback_sign(key: str, body: bytes) -> str:
    """TRTC's callback signature: base64(HMAC-SHA256(key, raw body))."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def callback_valid(key: str, body: bytes, sign: str | None) -> bool:
    """Whether a callback's Sign header matches its body (constant-time)."""
    if not key or not sign:
        return False
    return hmac.compare_digest(callback_sign(key, body), sign.strip())
