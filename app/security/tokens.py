"""JSON Web Tokens (the only importer of jwt): a key ring with `kid`, one algorithm, strict claims."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import jwt

from app.errors import Unauthorized
from app.utils import clock
from config import MAX_TOKEN_TTL_SECONDS, parse_key_ring

ALGORITHM = "HS256"  # one algorithm family, fixed: never taken from the token header
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "typ"]
REGISTERED = frozenset(REQUIRED_CLAIMS)
LEEWAY_SECONDS = 10
# No token lives longer than this, whatever it says: a leaked signing key or a bug minting long tokens must not
# yield a credential good for months. Each type is held to its configured TTL below this ceiling.
MAX_LIFETIME = dt.timedelta(seconds=MAX_TOKEN_TTL_SECONDS)
TTL_SETTINGS = {"access": "ACCESS_TOKEN_TTL_SECONDS", "machine": "MACHINE_TOKEN_TTL_SECONDS"}


@dataclasses.dataclass(frozen=True)
class KeyRing:
    """Signing keys by id: `active` signs, every key verifies (so old tokens survive a rotation).

    `lifetimes` holds the longest a token of each type may live (its TTL); other types get MAX_LIFETIME.
    """

    keys: dict[str, bytes]
    active: str
    lifetimes: Mapping[str, dt.timedelta] = dataclasses.field(default_factory=dict)

    def max_lifetime(self, token_type: str) -> dt.timedelta:
        """The longest a token of this type may live from its iat to its exp."""
        return min(self.lifetimes.get(token_type, MAX_LIFETIME), MAX_LIFETIME)

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
        lifetimes = {
            token_type: dt.timedelta(seconds=int(config[name]))
            for token_type, name in TTL_SETTINGS.items()
            if config.get(name)
        }
        return cls(keys=keys, active=active, lifetimes=lifetimes)


def encode(
    ring: KeyRing, *, subject: str, audience: str, issuer: str, token_type: str, ttl: dt.timedelta, **claims: Any
) -> tuple[str, dict[str, Any]]:
    """Sign a token with the active key; return it with its claims."""
    if not dt.timedelta(0) < ttl <= ring.max_lifetime(token_type):
        raise ValueError(f"a {token_type} token may live at most {ring.max_lifetime(token_type)}, not {ttl}")
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
    # This process signed it: remembered as verified for its own audience and issuer (with its claims as a
    # verifier parses them back from JSON), so its first use here costs no second HMAC and parse. The time claims,
    # the lifetime and the type are still checked on every decode; another audience or issuer verifies in full.
    # Only when every registered claim is the one set above (extra claims may not replace them), so each has the
    # type and value the full verification would have checked.
    own = isinstance(subject, str) and isinstance(audience, str) and isinstance(issuer, str)
    if own and not claims.keys() & REGISTERED:
        _remember((token, audience, issuer), (ring.active, ring.keys[ring.active], json.loads(json.dumps(payload))))
    return token, payload


def decode(ring: KeyRing, token: str, *, audience: str, issuer: str, token_type: str) -> dict[str, Any]:
    """Verify signature, algorithm, kid, time claims, issuer, audience and type; 401 on any failure.

    The signature, header and claim checks depend only on the token, the key, the audience and the issuer, so a
    token that passed them is remembered (see `_verified`); the time claims, the lifetime and the type are checked
    on every call, and revocation is the caller's database read, also on every call.
    """
    key = (token, audience, issuer)
    known = _verified.get(key)
    if known is not None and ring.keys.get(known[0]) == known[1]:  # the key that verified it is still in the ring
        claims = dict(known[2])
    else:
        kid, claims = _verify(ring, token, audience=audience, issuer=issuer)
        if isinstance(token, str):
            _remember(key, (kid, ring.keys[kid], dict(claims)))
    _check_times(claims, max_lifetime=ring.max_lifetime(token_type))
    if claims.get("typ") != token_type:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token")
    return claims


def _verify(ring: KeyRing, token: str, *, audience: str, issuer: str) -> tuple[str, dict[str, Any]]:
    """The key id and the claims of a token whose header, signature, issuer, audience and claim set are valid."""
    try:
        header = _unverified_header(token)
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
            # Time claims are checked by `decode` against app.utils.clock, the one source of time, on every call.
            options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired.", reason="auth.token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token") from None
    return kid, claims


# Tokens this process has verified, by (token, audience, issuer): the kid and secret that verified each, and its
# claims. Every request presents its bearer token again, and PyJWT parsed the JSON and recomputed the HMAC each
# time (a sixth of an authentication's CPU). A hit is used only while the ring still holds the same secret under
# that kid (a key removed from the ring stops its tokens at once); refused tokens are never remembered, tokens this
# process signed are remembered when signed (see `encode`). Bounded:
# the oldest entry goes first. Reads take no lock (a dict read is atomic); writers take `_verified_lock`.
VERIFIED_MAX = 4096
_verified: dict[tuple[str, str, str], tuple[str, bytes, dict[str, Any]]] = {}
_verified_lock = threading.Lock()


def _remember(key: tuple[str, str, str], entry: tuple[str, bytes, dict[str, Any]]) -> None:
    with _verified_lock:
        while len(_verified) >= VERIFIED_MAX:
            del _verified[next(iter(_verified))]
        _verified[key] = entry


def _unverified_header(token: str) -> dict[str, Any]:
    """The header segment alone, to choose the key: jwt.decode below parses and checks the whole token again.

    (jwt.get_unverified_header validated all three segments character by character: a third of a decode.)
    """
    segment = token.split(".", 1)[0] if isinstance(token, str) and token.count(".") == 2 else ""
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError):
        header = None
    if not isinstance(header, dict):
        raise jwt.InvalidTokenError("bad header")
    return header


def _check_times(claims: Mapping[str, Any], *, max_lifetime: dt.timedelta) -> None:
    """Check exp, nbf and iat against app.utils.clock (PyJWT would read the system clock), and the lifetime.

    A correctly signed token whose exp lies further from its iat than its type may live is refused: the
    lifetime is bounded by the verifier, not by whoever signed.
    """
    now = clock.now().timestamp()
    try:
        exp, nbf, iat = (float(claims[name]) for name in ("exp", "nbf", "iat"))
    except (TypeError, ValueError):
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token") from None
    if exp + LEEWAY_SECONDS < now:
        raise Unauthorized("The token has expired.", reason="auth.token_expired")
    if nbf - LEEWAY_SECONDS > now or iat - LEEWAY_SECONDS > now:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token")
    if exp - iat > max_lifetime.total_seconds() + LEEWAY_SECONDS or exp < iat:
        raise Unauthorized("The token is invalid.", reason="auth.invalid_token")
