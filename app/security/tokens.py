"""JSON Web Tokens (the only importer of jwt): a key ring with `kid`, one algorithm, strict claims."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

import jwt

from app.errors import Unauthorized
from app.utils import clock
from config import parse_key_ring

ALGORITHM = "HS256"  # one algorithm family, fixed: never taken from the token header
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "typ"]
LEEWAY_SECONDS = 10


@dataclasses.dataclass(frozen=True)
class KeyRing:
    """Signing keys by id: `active` signs, every key verifies (so old tokens survive a rotation)."""

    keys: dict[str, bytes]
    active: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KeyRing:
        """Build from JWT_KEYS / JWT_ACTIVE_KID; without keys, derive one from SECRET_KEY (dev only)."""
        pairs = parse_key_ring(config.get("JWT_KEYS", ""))
        if not pairs:
            derived = hashlib.sha256(b"microcourt-jwt:" + config["SECRET_KEY"].encode()).hexdigest()
            pairs = [("dev", derived)]
        keys = {kid: secret.encode() for kid, secret in pairs}
        active = config.get("JWT_ACTIVE_KID") or pairs[0][0]
        if active not in keys:
            raise ValueError(f"JWT_ACTIVE_KID {active!r} is not in JWT_KEYS")
        return cls(keys=keys, active=active)


def encode(
    ring: KeyRing, *, subject: str, audience: str, issuer: str, token_type: str, ttl: dt.timedelta, **claims: Any
) -> tuple[str, dict[str, Any]]:
    """Sign a token with the active key; return it with its claims."""
    now = clock.now()
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": token_type,
        **claims,
    }
    token = jwt.encode(payload, ring.keys[ring.active], algorithm=ALGORITHM, headers={"kid": ring.active})
    return token, payload


def decode(ring: KeyRing, token: str, *, audience: str, issuer: str, token_type: str) -> dict[str, Any]:
    """Verify signature, algorithm, kid, time claims, issuer, audience and type; 401 on any failure."""
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str) or kid not in ring.keys:
            raise Unauthorized("The token is invalid.", reason="auth.invalid_token")
        claims = jwt.decode(
            token,
            ring.keys[kid],
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            # Time claims are checked below against app.utils.clock, the one source of time.
            options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired.", reason="auth.token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token") from None
    _check_times(claims)
    if claims.get("typ") != token_type:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token")
    return claims


def _check_times(claims: Mapping[str, Any]) -> None:
    """Check exp, nbf and iat against app.utils.clock (PyJWT would read the system clock)."""
    now = clock.now().timestamp()
    try:
        exp, nbf, iat = (float(claims[name]) for name in ("exp", "nbf", "iat"))
    except (TypeError, ValueError):
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token") from None
    if exp + LEEWAY_SECONDS < now:
        raise Unauthorized("The token has expired.", reason="auth.token_expired")
    if nbf - LEEWAY_SECONDS > now or iat - LEEWAY_SECONDS > now:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token")
