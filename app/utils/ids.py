"""Opaque public identifiers: time-ordered UUIDs (v7) so that indexes stay compact at scale."""

from __future__ import annotations

import os
import secrets
import threading
import uuid

from app.utils import clock

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_lock = threading.Lock()
_last = 0


def new_id() -> uuid.UUID:
    """Return a UUIDv7 (RFC 9562): 48-bit millisecond time, version, random bits.

    Within one process ids are strictly increasing, even within one millisecond (the previous value
    plus one, RFC 9562's monotonic method), so "ORDER BY id" is creation order.
    """
    global _last
    millis = int(clock.now().timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = millis << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    with _lock:
        if value <= _last:
            value = _next_after(_last)
        _last = value
    return uuid.UUID(int=value)


def _next_after(previous: int) -> int:
    """The smallest valid v7 value above `previous` (skipping the fixed version and variant bits)."""
    candidate = previous + 1
    if candidate >> 62 & 0b11 != 0b10:  # the 62 random low bits overflowed into the variant
        candidate = ((previous >> 64) + 1) << 64 | 0b10 << 62
    return candidate


def random_token(length: int = 32) -> str:
    """Return a random [A-Za-z0-9] string (32 chars carry about 190 bits)."""
    return random_string(_ALNUM, length)


def random_string(alphabet: str, length: int) -> str:
    """`length` characters drawn uniformly and independently from `alphabet`, from the OS's CSPRNG: the same
    distribution as `secrets.choice` per character, from one uniform draw below len(alphabet) ** length written in
    base len(alphabet) (one or two reads of os.urandom, not one per character: issue 18)."""
    base = len(alphabet)
    value = secrets.randbelow(base**length)
    characters = []
    for _ in range(length):
        value, digit = divmod(value, base)
        characters.append(alphabet[digit])
    return "".join(characters)
