"""One-time codes: generated with a CSPRNG, stored only as keyed hashes, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_code(digits: int = 6) -> str:
    """A uniformly random numeric code."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def hash_code(key: bytes, *, subject: str, purpose: str, code: str) -> str:
    """Keyed hash binding the code to who it was sent to and why."""
    message = f"{purpose}\n{subject}\n{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(key: bytes, *, subject: str, purpose: str, code: str, expected_hash: str) -> bool:
    """Constant-time check of a presented code."""
    return hmac.compare_digest(hash_code(key, subject=subject, purpose=purpose, code=code), expected_hash)
