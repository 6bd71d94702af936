"""The bad-token corpus of quality.md: every entry must be refused (401) by every protected route."""

from __future__ import annotations

import base64
import json

import jwt

from app.identity.login_sessions import MACHINE_AUDIENCE, USER_AUDIENCE, key_ring
from app.utils import clock


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def corpus(app, world) -> dict[str, str]:
    """Authorization header values, each wrong in one way."""
    ring = key_ring()
    kid, secret = ring.active, ring.keys[ring.active]
    now = int(clock.now().timestamp())
    claims = {
        "iss": app.config["JWT_ISSUER"],
        "aud": USER_AUDIENCE,
        "sub": str(world.target_user.id),
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "j1",
        "typ": "access",
        "sid": "00000000-0000-7000-8000-000000000001",
    }

    def signed(payload: dict, *, key: bytes = secret, alg: str = "HS256", header_kid: str | None = kid) -> str:
        headers = {"kid": header_kid} if header_kid is not None else {}
        return jwt.encode(payload, key, algorithm=alg, headers=headers)

    real = world.headers["platform_admin"]["Authorization"].split(" ", 1)[1]
    head, body, sig = real.split(".")
    forged_body = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged_body["sub"] = str(world.target_user.id)
    entries = {
        "missing scheme": real,
        "basic scheme": "Basic " + base64.b64encode(b"admin:admin").decode(),
        "empty bearer": "Bearer ",
        "two tokens": f"Bearer {real} {real}",
        "garbage": "Bearer not.a.token",
        "truncated": "Bearer " + real[:-5],
        "tampered payload": f"Bearer {head}.{_b64(forged_body)}.{sig}",
        "unknown kid": "Bearer " + signed(claims, header_kid="k-unknown"),
        "no kid": "Bearer " + signed(claims, header_kid=None),
        "wrong secret": "Bearer " + signed(claims, key=b"w" * 48),
        "HS512": "Bearer " + signed(claims, key=secret * 2, alg="HS512"),
        "expired": "Bearer " + signed({**claims, "exp": now - 60}),
        "not yet valid": "Bearer " + signed({**claims, "nbf": now + 3600, "iat": now + 3600}),
        "wrong issuer": "Bearer " + signed({**claims, "iss": "someone-else"}),
        "wrong audience": "Bearer " + signed({**claims, "aud": "another-app"}),
        "refresh typ as access": "Bearer " + signed({**claims, "typ": "refresh"}),
        "missing jti": "Bearer " + signed({k: v for k, v in claims.items() if k != "jti"}),
        "missing sid": "Bearer " + signed({k: v for k, v in claims.items() if k != "sid"}),
        "unknown session": "Bearer " + signed(claims),
        "machine claims for an unknown client": "Bearer "
        + signed({**claims, "aud": MACHINE_AUDIENCE, "typ": "machine", "sub": "mc_unknown", "court": "x"}),
        "opaque refresh token": "Bearer rt_" + "x" * 43,
        "RS256 confusion": "Bearer "
        + f"{_b64({'alg': 'RS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}."
        + base64.urlsafe_b64encode(b"s" * 32).decode().rstrip("="),
        "oversized": "Bearer " + "a" * 5000 + "." + "b" * 10 + "." + "c" * 10,
    }
    for alg in ("none", "None", "NONE", "nOnE"):
        entries[f"alg {alg}"] = f"Bearer {_b64({'alg': alg, 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}."
    return entries
