"""Verifying a webhook delivery: `X-MicroCourt-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-MicroCourt-Signature"
TOLERANCE_SECONDS = 300


def verify_signature(
    secret: str, header: str, raw_body: bytes | str, *, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """True when `header` signs `raw_body` (the bytes as received) with `secret` and its time is within tolerance."""
    fields = dict(part.strip().split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    body = raw_body.encode() if isinstance(raw_body, str) else raw_body
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), fields.get("v1", "").encode())  # bytes: any header text is False
