"""Outbound webhooks to court systems: URL rules, HMAC-SHA256 signatures and one HTTP attempt.

Signature: `X-MicroCourt-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "{t}.{body}")>`.
Receivers recompute it over the raw body, compare in constant time and reject a `t` more than 300 s
away from their clock; the event id (`X-MicroCourt-Event-Id`, also `id` in the body) de-duplicates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterable

import requests

SIGNATURE_HEADER = "X-MicroCourt-Signature"
EVENT_ID_HEADER = "X-MicroCourt-Event-Id"
EVENT_TYPE_HEADER = "X-MicroCourt-Event-Type"
ATTEMPT_HEADER = "X-MicroCourt-Delivery-Attempt"
TOLERANCE_SECONDS = 300


def check_url(url: str, *, allowed_hosts: Iterable[str], allow_http: bool) -> str | None:
    """Why a webhook URL is not acceptable (None when it is): scheme, credentials, and an allowed host."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_http):
        return "The URL must use https."
    if parts.username or parts.password:
        return "The URL must not carry credentials."
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or host not in {allowed.lower().rstrip(".") for allowed in allowed_hosts}:
        return "The host is not in WEBHOOK_ALLOWED_HOSTS."
    if port is not None and not 0 < port < 65536:
        return "Not a valid port."
    return None


def sign(secret: str, timestamp: int, body: str) -> str:
    """The hex HMAC-SHA256 of "{timestamp}.{body}"."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: str) -> str:
    """The value of X-MicroCourt-Signature."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: str, *, now: float, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: parse the header, check the skew, compare the MAC in constant time."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    # bytes: compare_digest refuses (TypeError) a str holding non-ASCII, which a hostile header may carry
    expected, given = sign(secret, timestamp, body).encode(), fields.get("v1", "").encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


@dataclasses.dataclass(frozen=True)
class Attempt:
    """What one POST achieved: the receiver's status, or a network error."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """2xx: delivered."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """410: the receiver wants no more deliveries on this subscription."""
        return self.status == 410


def post(url: str, body: str, headers: dict[str, str], *, timeout: float) -> Attempt:
    """One POST of the JSON body; redirects are not followed (a redirect is a failed attempt)."""
    try:
        response = requests.post(
            url,
            data=body.encode(),
            headers={"Content-Type": "application/json; charset=utf-8", **headers},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return Attempt(status=None, error=f"network: {type(exc).__name__}")
    response.close()
    error = None if 200 <= response.status_code < 300 else f"http {response.status_code}"
    return Attempt(status=response.status_code, error=error)
