"""Opaque public identifiers: time-ordered UUIDs (v7) so that indexes stay compact at scale."""

from __future__ import annotations

import os
import secrets
import uuid

from app.utils import clock

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def new_id() -> uuid.UUID:
    """Return a UUIDv7 (RFC 9562): 48-bit millisecond time, then 74 random bits."""
    millis = int(clock.now().timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68 & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def random_token(length: int = 32) -> str:
    """Return a random [A-Za-z0-9] string (32 chars carry about 190 bits)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(length))
