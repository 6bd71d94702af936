"""TRTC's server API (Tencent Cloud API 3.0), signed with TC3-HMAC-SHA256: dismissing a room.

A request is a JSON POST to TRTC_API_URL (https://trtc.tencentcloudapi.com by default) with the action, version,
region and timestamp in X-TC-* headers and an Authorization header: the canonical request (method, "/", empty
query, the content-type and host headers, SHA-256 of the body) is hashed into the string to sign
("TC3-HMAC-SHA256", timestamp, "<date>/trtc/tc3_request", hash); the signing key is HMAC-SHA256 chained over
"TC3" + secret key, the UTC date, the service ("trtc") and "tc3_request". The credentials are a Tencent Cloud API
key pair (TRTC_API_SECRET_ID / TRTC_API_SECRET_KEY, from the CAM console), not the SDK's secret key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse

import requests

SERVICE = "trtc"
VERSION = "2019-07-22"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
# TRTC answers these when the room is already gone: nothing is left to dismiss
ROOM_GONE = ("FailedOperation.RoomNotExist", "ResourceNotFound.RoomNotExist", "InvalidParameter.RoomId")


class TrtcApiError(Exception):
    """TRTC refused the request (its error code), or could not be reached (code "network")."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclasses.dataclass(frozen=True)
class Credentials:
    secret_id: str
    secret_key: str
    url: str = "https://trtc.tencentcloudapi.com"
    region: str = "ap-guangzhou"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def string_to_sign(*, host: str, body: bytes, timestamp: int, service: str = SERVICE) -> str:
    """Steps 1-2 of signature v3: the canonical request of a JSON POST, hashed into the string to sign."""
    date = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        (
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        )
    )
    scope = f"{date}/{service}/tc3_request"
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def authorization(*, secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int) -> str:
    """The Authorization header of a TC3-HMAC-SHA256 signed POST with a JSON body."""
    to_sign = string_to_sign(host=host, body=body, timestamp=timestamp)
    scope = to_sign.split("\n")[2]
    date = scope.split("/")[0]
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def call(creds: Credentials, action: str, params: dict, *, timestamp: int, timeout: float = 10) -> dict:
    """POST one signed action; its Response document, or TrtcApiError."""
    body = json.dumps(params, separators=(",", ":")).encode()
    host = urllib.parse.urlsplit(creds.url).netloc
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": VERSION,
        "X-TC-Region": creds.region,
        "X-TC-Timestamp": str(timestamp),
        "Authorization": authorization(
            secret_id=creds.secret_id, secret_key=creds.secret_key, host=host, body=body, timestamp=timestamp
        ),
    }
    try:
        answer = requests.post(creds.url, data=body, headers=headers, timeout=timeout)
        doc = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise TrtcApiError("network", type(exc).__name__) from None
    response = doc.get("Response") if isinstance(doc, dict) else None
    if not isinstance(response, dict):
        raise TrtcApiError("network", f"HTTP {answer.status_code} without a Response")
    error = response.get("Error")
    if isinstance(error, dict):
        raise TrtcApiError(str(error.get("Code", "unknown")), str(error.get("Message", "")))
    return response


def dismiss_room(creds: Credentials, *, sdk_app_id: int, room_id: str, timestamp: int) -> str:
    """DismissRoomByStrRoomId: everyone is put out of the room; "dismissed", or "gone" if it no longer exists."""
    try:
        call(creds, "DismissRoomByStrRoomId", {"SdkAppId": sdk_app_id, "RoomId": room_id}, timestamp=timestamp)
    except TrtcApiError as exc:
        if exc.code in ROOM_GONE:
            return "gone"
        raise
    return "dismissed"
