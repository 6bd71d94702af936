"""Access tokens: strict claims, one algorithm, key rotation, and a corpus of bad tokens."""

import base64
import datetime as dt
import json

import jwt
import pytest

from app.errors import Unauthorized
from app.security import tokens

RING = tokens.KeyRing(keys={"k1": b"a" * 40, "k2": b"b" * 40}, active="k2")
ARGS = {"audience": "mp", "issuer": "microcourt", "token_type": "access"}


def issue(ring=RING, ttl=dt.timedelta(minutes=15), **claims):
    token, _ = tokens.encode(ring, subject="user-1", ttl=ttl, **ARGS, **claims)
    return token


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_round_trip_and_rotation(clock):
    claims = tokens.decode(RING, issue(), **ARGS)
    assert claims["sub"] == "user-1" and claims["typ"] == "access"
    old = issue(tokens.KeyRing(keys=RING.keys, active="k1"))
    assert tokens.decode(RING, old, **ARGS)["sub"] == "user-1"  # signed by a retired key, still in the ring


def _bad_tokens(clock):
    now = int(clock.current.timestamp())
    good_claims = {
        "iss": "microcourt",
        "aud": "mp",
        "sub": "u",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "j",
        "typ": "access",
    }
    corpus = {
        "garbage": "not-a-token",
        "empty": "",
        "two segments": "a.b",
        "unknown kid": jwt.encode(good_claims, "a" * 40, algorithm="HS256", headers={"kid": "k9"}),
        "no kid": jwt.encode(good_claims, "a" * 40, algorithm="HS256"),
        "wrong secret": jwt.encode(good_claims, "z" * 40, algorithm="HS256", headers={"kid": "k1"}),
        "HS512": jwt.encode(good_claims, "a" * 64, algorithm="HS512", headers={"kid": "k1"}),
        "wrong audience": jwt.encode(
            {**good_claims, "aud": "court"}, "a" * 40, algorithm="HS256", headers={"kid": "k1"}
        ),
        "wrong issuer": jwt.encode({**good_claims, "iss": "evil"}, "a" * 40, algorithm="HS256", headers={"kid": "k1"}),
        "refresh as access": jwt.encode(
            {**good_claims, "typ": "refresh"}, "a" * 40, algorithm="HS256", headers={"kid": "k1"}
        ),
        "expired": jwt.encode({**good_claims, "exp": now - 60}, "a" * 40, algorithm="HS256", headers={"kid": "k1"}),
        "not yet valid": jwt.encode(
            {**good_claims, "nbf": now + 600}, "a" * 40, algorithm="HS256", headers={"kid": "k1"}
        ),
        "missing jti": jwt.encode(
            {k: v for k, v in good_claims.items() if k != "jti"}, "a" * 40, algorithm="HS256", headers={"kid": "k1"}
        ),
        "string exp": jwt.encode({**good_claims, "exp": "soon"}, "a" * 40, algorithm="HS256", headers={"kid": "k1"}),
    }
    for alg in ("none", "None", "NONE", "nOnE"):
        corpus[f"alg {alg}"] = f"{b64({'alg': alg, 'typ': 'JWT', 'kid': 'k1'})}.{b64(good_claims)}."
    # HS/RS confusion: a token claiming RS256, "signed" with the shared secret as if it were a public key.
    header = b64({"alg": "RS256", "typ": "JWT", "kid": "k1"})
    corpus["RS256 confusion"] = f"{header}.{b64(good_claims)}.{base64.urlsafe_b64encode(b'x' * 32).decode()}"
    return corpus


def test_bad_token_corpus_is_refused(clock):
    refused = []
    for name, token in _bad_tokens(clock).items():
        with pytest.raises(Unauthorized):
            tokens.decode(RING, token, **ARGS)
        refused.append(name)
    assert len(refused) == 19


def test_expiry_follows_the_app_clock(clock):
    token = issue(ttl=dt.timedelta(minutes=15))
    clock.advance(minutes=14)
    tokens.decode(RING, token, **ARGS)
    clock.advance(minutes=2)
    with pytest.raises(Unauthorized) as caught:
        tokens.decode(RING, token, **ARGS)
    assert caught.value.reason == "auth.token_expired"


def _signed(claims: dict, secret: bytes = b"a" * 40, kid: str = "k1") -> str:
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})


def _claims(now: int, **changes) -> dict:
    base = {"iss": "microcourt", "aud": "mp", "sub": "u", "iat": now, "nbf": now, "exp": now + 900, "jti": "j"}
    return {**base, "typ": "access", **changes}


def test_a_correctly_signed_token_must_carry_a_bounded_lifetime(clock):
    """exp and iat are required, and exp - iat may not exceed the type's TTL (or the 24 h ceiling)."""
    now = int(clock.current.timestamp())
    ten_years = 10 * 365 * 86400
    refused = {
        "exp in ten years": _claims(now, exp=now + ten_years),
        "no exp": {k: v for k, v in _claims(now).items() if k != "exp"},
        "no iat": {k: v for k, v in _claims(now).items() if k != "iat"},
        "issued two days ago, still valid": _claims(now, iat=now - 2 * 86400, nbf=now - 2 * 86400, exp=now + 60),
        "exp before iat": _claims(now, exp=now - 5, iat=now, nbf=now - 10),
    }
    for name, claims in refused.items():
        with pytest.raises(Unauthorized):
            tokens.decode(RING, _signed(claims), **ARGS)
            pytest.fail(f"{name} was accepted")
    assert tokens.decode(RING, _signed(_claims(now, exp=now + 86400)), **ARGS)["sub"] == "u"  # at the ceiling


def test_each_type_is_held_to_its_configured_ttl(clock):
    config = {
        "JWT_KEYS": "k1:" + "a" * 40,
        "SECRET_KEY": "x",
        "ACCESS_TOKEN_TTL_SECONDS": 900,
        "MACHINE_TOKEN_TTL_SECONDS": 1800,
    }
    ring = tokens.KeyRing.from_config(config)
    now = int(clock.current.timestamp())
    assert tokens.decode(ring, _signed(_claims(now)), **ARGS)
    with pytest.raises(Unauthorized) as caught:
        tokens.decode(ring, _signed(_claims(now, exp=now + 3600)), **ARGS)  # an hour: the access TTL is 15 min
    assert caught.value.reason == "auth.invalid_token"
    machine = _signed(_claims(now, aud="court", typ="machine", exp=now + 1800))
    assert tokens.decode(ring, machine, audience="court", issuer="microcourt", token_type="machine")
    with pytest.raises(ValueError, match="at most"):
        tokens.encode(ring, subject="u", ttl=dt.timedelta(hours=1), **ARGS)
    with pytest.raises(ValueError, match="at most"):
        tokens.encode(RING, subject="u", ttl=dt.timedelta(days=2), **ARGS)


@pytest.mark.parametrize(
    "header_segment",
    ["", "!!!!", "bm90IGpzb24", b64({"kid": "k2"})[:-3] + "\u00e9", base64.urlsafe_b64encode(b"[1, 2]").decode(), "_w"],
)
def test_a_header_that_is_not_a_json_object_is_refused(clock, header_segment):
    # The key is chosen from the header before the signature is checked: a junk header is a 401, never a 500.
    _head, body, signature = issue().split(".")
    for token in (f"{header_segment}.{body}.{signature}", f"{header_segment}.{body}", f"{header_segment}.{body}.x.y"):
        with pytest.raises(Unauthorized) as refused:
            tokens.decode(RING, token, **ARGS)
        assert refused.value.reason == "auth.invalid_token"


def test_a_header_naming_another_key_of_the_ring_is_refused(clock):
    head, body, signature = issue().split(".")  # signed with k2
    other = json.loads(base64.urlsafe_b64decode(head + "=="))
    with pytest.raises(Unauthorized):
        tokens.decode(RING, f"{b64({**other, 'kid': 'k1'})}.{body}.{signature}", **ARGS)


def test_a_verified_token_is_remembered_but_every_other_check_runs_on_each_use(clock, monkeypatch):
    token = issue()
    first = tokens.decode(RING, token, **ARGS)
    first["sub"] = "someone-else"  # a caller changing its claims changes nothing remembered
    verified = []
    monkeypatch.setattr(tokens.jwt, "decode", lambda *a, **k: verified.append(1) or pytest.fail("verified again"))
    assert tokens.decode(RING, token, **ARGS)["sub"] == "user-1"  # remembered: the signature is not checked again
    assert not verified
    with pytest.raises(Unauthorized):  # the type, on every use
        tokens.decode(RING, token, audience="mp", issuer="microcourt", token_type="machine")
    monkeypatch.undo()
    with pytest.raises(Unauthorized):  # the audience and the issuer are part of what was verified
        tokens.decode(RING, token, audience="court", issuer="microcourt", token_type="access")
    with pytest.raises(Unauthorized):
        tokens.decode(RING, token, audience="mp", issuer="evil", token_type="access")
    shorter = tokens.KeyRing(keys=RING.keys, active="k2", lifetimes={"access": dt.timedelta(minutes=5)})
    with pytest.raises(Unauthorized):  # the lifetime, against the ring in use
        tokens.decode(shorter, token, **ARGS)
    clock.advance(minutes=16)
    with pytest.raises(Unauthorized) as caught:  # the time claims, against the app clock
        tokens.decode(RING, token, **ARGS)
    assert caught.value.reason == "auth.token_expired"


def test_a_remembered_token_stops_when_its_key_leaves_the_ring(clock):
    token = issue()  # signed with k2
    assert tokens.decode(RING, token, **ARGS)
    retired = tokens.KeyRing(keys={"k1": b"a" * 40}, active="k1")
    with pytest.raises(Unauthorized):
        tokens.decode(retired, token, **ARGS)
    replaced = tokens.KeyRing(keys={"k1": b"a" * 40, "k2": b"c" * 40}, active="k1")  # same kid, another secret
    with pytest.raises(Unauthorized):
        tokens.decode(replaced, token, **ARGS)


def test_refused_tokens_are_not_remembered_and_the_memory_is_bounded(clock, monkeypatch):
    monkeypatch.setattr(tokens, "VERIFIED_MAX", 3)
    monkeypatch.setattr(tokens, "_verified", {})
    bad = issue()[:-2] + "xx"
    tokens._verified.clear()  # the good token it was cut from was remembered when signed
    with pytest.raises(Unauthorized):
        tokens.decode(RING, bad, **ARGS)
    assert not tokens._verified
    issued = [issue() for _ in range(5)]
    for token in issued:
        tokens.decode(RING, token, **ARGS)
    assert [key[0] for key in tokens._verified] == issued[2:]


def test_a_token_this_process_signs_is_remembered_for_its_own_audience_and_issuer(clock, monkeypatch):
    monkeypatch.setattr(tokens, "_verified", {})
    token, payload = tokens.encode(RING, subject="user-1", ttl=dt.timedelta(minutes=15), sid="s-1", **ARGS)
    monkeypatch.setattr(tokens.jwt, "decode", lambda *a, **k: pytest.fail("verified again"))
    claims = tokens.decode(RING, token, **ARGS)
    assert claims == json.loads(json.dumps(payload)) and claims["sid"] == "s-1"
    monkeypatch.undo()
    monkeypatch.setattr(tokens, "_verified", {})
    with pytest.raises(Unauthorized):  # another audience or issuer is verified in full, and refused
        tokens.decode(RING, issue(), audience="court", issuer="microcourt", token_type="access")
    short = issue(ttl=dt.timedelta(minutes=1))
    clock.advance(minutes=2)
    with pytest.raises(Unauthorized) as caught:  # the time claims, on every use
        tokens.decode(RING, short, **ARGS)
    assert caught.value.reason == "auth.token_expired"


@pytest.mark.parametrize("claim", [{"aud": "court"}, {"iss": "evil"}, {"sub": 7}, {"jti": None}])
def test_a_token_whose_extra_claims_replace_a_registered_one_is_not_remembered(clock, monkeypatch, claim):
    monkeypatch.setattr(tokens, "_verified", {})
    issue(**claim)
    assert not tokens._verified
    with pytest.raises(Unauthorized):
        tokens.decode(RING, issue(**claim), **ARGS)
