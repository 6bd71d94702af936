"""PII protection: AEAD round trips, field binding, tampering, key rotation, blind indexes, masking, phones."""

import base64
import hashlib
import hmac
import re

import pytest
from flask import Flask

from app.errors import ValidationFailed
from app.security import pii
from config import ConfigError

K1, K2, K3 = (bytes([n]) * 32 for n in (1, 2, 3))
INDEX_KEY = bytes(range(32))
PHONE = "+8613812345678"
ID_NUMBER = "11010519491231002X"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


K1_ENTRY = "k1:" + b64(K1)
INDEX_TEXT = b64(INDEX_KEY)


def ring(keys=K1_ENTRY, active="", index=INDEX_TEXT) -> pii.PiiKeyRing:
    return pii.PiiKeyRing.from_config({"PII_KEYS": keys, "PII_ACTIVE_KID": active, "PII_INDEX_KEY": index})


@pytest.fixture
def cipher() -> pii.PiiCipher:
    return pii.PiiCipher(ring())


@pytest.mark.parametrize(
    ("value", "field"),
    [("张三丰·阿卜杜拉", "real_name"), (PHONE, "phone"), (ID_NUMBER, "id_number"), ("", "note"), ("𠀀 emoji 😀", "x")],
)
def test_round_trip(cipher, value, field):
    token = cipher.encrypt(value, field=field)
    assert cipher.decrypt(token, field=field) == value
    assert re.fullmatch(r"v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}", token)
    if value:
        assert value not in token


def test_each_encryption_uses_a_fresh_nonce(cipher):
    first, second = cipher.encrypt(PHONE, field="phone"), cipher.encrypt(PHONE, field="phone")
    assert first != second
    assert first.split(".")[2] != second.split(".")[2]


def test_a_ciphertext_cannot_be_moved_to_another_field(cipher):
    token = cipher.encrypt(PHONE, field="phone")
    for other in ("id_number", "user.phone", "phonex"):
        with pytest.raises(pii.PiiError) as caught:
            cipher.decrypt(token, field=other)
        assert caught.value.reason == "pii.tampered"
        assert PHONE not in str(caught.value)


def _flip(text: str, index: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = alphabet[(alphabet.index(text[index]) + 1) % len(alphabet)]
    return text[:index] + replacement + text[index + 1 :]


def test_tampering_with_nonce_or_ciphertext_is_detected(cipher):
    token = cipher.encrypt(ID_NUMBER, field="id_number")
    version, kid, nonce, body = token.split(".")
    # The last character of an unpadded base64url group may carry padding bits only; skip it.
    for index in range(len(nonce) - 1):
        with pytest.raises(pii.PiiError):
            cipher.decrypt(".".join((version, kid, _flip(nonce, index), body)), field="id_number")
    for index in range(len(body) - 1):
        with pytest.raises(pii.PiiError):
            cipher.decrypt(".".join((version, kid, nonce, _flip(body, index))), field="id_number")
    with pytest.raises(pii.PiiError):
        cipher.decrypt(".".join((version, kid, nonce, body[:-8])), field="id_number")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v1.k1",
        "v1.k1.abc",
        "v2.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "v1.k1..",
        "v1.k1.@@@@.abcd",
        "v1.k1.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "v1.k1.AAAAAAAAAAAAAAAA.AAAA",
        "v1.k1.A.B.C",
        "v1.k1.AAAAA.AAAAA",
        None,
        42,
    ],
)
def test_malformed_tokens_raise_a_pii_error(cipher, token):
    with pytest.raises(pii.PiiError) as caught:
        cipher.decrypt(token, field="phone")
    assert caught.value.http_status == 500
    assert caught.value.reason.startswith("pii.")


def test_rotation_to_a_new_key_keeps_old_tokens_readable():
    old_ring = ring()
    old_token = pii.PiiCipher(old_ring).encrypt(PHONE, field="phone")
    new = pii.PiiCipher(ring(keys=f"k2:{b64(K2)},k1:{b64(K1)}"))
    assert new.ring.active == "k2"
    assert new.decrypt(old_token, field="phone") == PHONE
    assert new.needs_rotation(old_token)
    rotated = new.rotate(old_token, field="phone")
    assert new.key_id(rotated) == "k2" and not new.needs_rotation(rotated)
    assert new.decrypt(rotated, field="phone") == PHONE
    assert new.rotate(rotated, field="phone") == rotated  # already under the active key
    only_new = pii.PiiCipher(ring(keys=f"k2:{b64(K2)}"))
    assert only_new.decrypt(rotated, field="phone") == PHONE
    with pytest.raises(pii.UnknownPiiKey):
        only_new.decrypt(old_token, field="phone")


def test_rotate_refuses_a_token_of_another_field():
    token = pii.PiiCipher(ring()).encrypt(PHONE, field="phone")
    new = pii.PiiCipher(ring(keys=f"k2:{b64(K2)},k1:{b64(K1)}"))
    with pytest.raises(pii.PiiError):
        new.rotate(token, field="id_number")


def test_pii_active_kid_picks_the_encrypting_key():
    chosen = pii.PiiCipher(ring(keys=f"k1:{b64(K1)},k2:{b64(K2)}", active="k2"))
    assert chosen.key_id(chosen.encrypt("x", field="note")) == "k2"


def test_unknown_kid_is_a_clear_error(cipher):
    stranger = pii.PiiCipher(ring(keys=f"k9:{b64(K3)}"))
    token = stranger.encrypt(PHONE, field="phone")
    with pytest.raises(pii.UnknownPiiKey) as caught:
        cipher.decrypt(token, field="phone")
    assert caught.value.reason == "pii.unknown_key"
    assert "'k9'" in caught.value.message


def test_the_same_kid_with_another_key_is_tampering(cipher):
    impostor = pii.PiiCipher(ring(keys=f"k1:{b64(K3)}"))
    with pytest.raises(pii.PiiError) as caught:
        cipher.decrypt(impostor.encrypt(PHONE, field="phone"), field="phone")
    assert caught.value.reason == "pii.tampered"


def test_blind_index_is_a_keyed_hmac_over_field_and_normalized_value(cipher):
    index = cipher.blind_index(PHONE, field="phone")
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert index == hmac.new(INDEX_KEY, b"phone\x00" + PHONE.encode(), hashlib.sha256).hexdigest()
    assert index != hashlib.sha256(PHONE.encode()).hexdigest()
    assert pii.PiiCipher(ring()).blind_index(PHONE, field="phone") == index  # stable across instances and keys
    assert pii.PiiCipher(ring(keys=f"k2:{b64(K2)}")).blind_index(PHONE, field="phone") == index
    assert pii.PiiCipher(ring(index=b64(K3))).blind_index(PHONE, field="phone") != index


def test_equal_after_normalization_means_equal_index(cipher):
    phones = ["13812345678", "+86 138-1234-5678", "8613812345678", "0086 138 1234 5678", "１３８１２３４５６７８"]
    assert {cipher.blind_index(p, field="phone") for p in phones} == {cipher.blind_index(PHONE, field="phone")}
    ids = ["11010519491231002x", " 110105 19491231 002X", ID_NUMBER]
    assert len({cipher.blind_index(n, field="id_number") for n in ids}) == 1
    assert cipher.blind_index("13812345679", field="phone") != cipher.blind_index(PHONE, field="phone")


def test_blind_index_differs_per_field(cipher):
    assert cipher.blind_index(PHONE, field="phone") != cipher.blind_index(PHONE, field="contact.phone")
    assert cipher.blind_index(PHONE, field="contact.phone") == cipher.blind_index("13812345678", field="contact.phone")
    assert cipher.blind_index(ID_NUMBER, field="id_number") != cipher.blind_index(ID_NUMBER, field="other")


def test_blind_index_of_an_invalid_phone_is_a_validation_error(cipher):
    with pytest.raises(ValidationFailed) as caught:
        cipher.blind_index("not a phone", field="phone")
    assert caught.value.reason == "identity.phone_invalid"


@pytest.mark.parametrize(("call", "error"), [("encrypt", ValueError), ("blind_index", ValueError)])
@pytest.mark.parametrize("field", ["", "Phone", "phone\x00", "ph one", "1phone", "phone.", "a..b", ".x", None])
def test_field_names_are_checked(cipher, call, error, field):
    with pytest.raises(error):
        getattr(cipher, call)("13812345678", field=field)


def test_only_text_is_encrypted(cipher):
    with pytest.raises(TypeError):
        cipher.encrypt(13812345678, field="phone")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", PHONE),
        ("+86 138-1234-5678", PHONE),
        ("8613812345678", PHONE),
        ("+8613812345678", PHONE),
        ("0086 138 1234 5678", PHONE),
        ("(+86) 138 1234 5678", PHONE),
        ("＋８６ １３８－１２３４－５６７８", PHONE),
        ("\u3000138 1234 5678\t", PHONE),
        ("19912345678", "+8619912345678"),
        ("+86 13012345678", "+8613012345678"),
    ],
)
def test_normalize_phone_accepts(raw, expected):
    assert pii.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "required"),
        ("   ", "required"),
        ("abc", "only digits"),
        ("138-1234-567a", "only digits"),
        ("+86+8613812345678", "only digits"),
        ("138 1234 567", "11 digits"),
        ("138123456789", "11 digits"),
        ("12812345678", "11 digits"),
        ("02812345678", "11 digits"),
        ("010-8888-6666", "11 digits"),
        ("86138123456789", "11 digits"),
        ("+86 02812345678", "11 digits"),
        ("+1 415 555 0100", "+86"),
        ("+852 9123 4567", "+86"),
        (None, "string"),
        (13812345678, "string"),
    ],
)
def test_normalize_phone_refuses(raw, says):
    with pytest.raises(ValidationFailed) as caught:
        pii.normalize_phone(raw)
    error = caught.value
    assert error.reason == "identity.phone_invalid" and error.http_status == 422
    assert list(error.errors) == ["phone"]
    assert says in error.errors["phone"][0]
    if isinstance(raw, str) and raw.strip():
        assert raw not in error.errors["phone"][0] and raw not in error.message


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        (PHONE, "138****5678"),
        ("13812345678", "138****5678"),
        ("+86 199-0000-1234", "199****1234"),
        ("garbage", "***********"),
        (None, None),
    ],
)
def test_mask_phone(raw, masked):
    assert pii.mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("330102199001011234", "330***********1234"),
        ("11010519491231002x", "110***********002X"),
        ("110105 19491231 002X", "110***********002X"),
        ("12345", "*****"),
        (None, None),
    ],
)
def test_mask_id_number(raw, masked):
    assert pii.mask_id_number(raw) == masked
    if masked and len(masked) == 18:
        assert masked.count("*") == 11


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("买买提·艾力", "买*****"),
        ("John Smith", "J***"),
        ("Émile", "É***"),
        (" 李四 ", "李*"),
        ("张", "*"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_name(raw, masked):
    assert pii.mask_name(raw) == masked


def test_development_keys_are_derived_from_the_secret_key():
    config = {"SECRET_KEY": "s" * 40, "ENV_NAME": "development"}
    first, second = pii.PiiKeyRing.from_config(config), pii.PiiKeyRing.from_config(dict(config))
    assert first.derived == ("PII_KEYS", "PII_INDEX_KEY") and first.active == "dev"
    token = pii.PiiCipher(first).encrypt(PHONE, field="phone")
    assert pii.PiiCipher(second).decrypt(token, field="phone") == PHONE
    other = pii.PiiCipher(pii.PiiKeyRing.from_config({"SECRET_KEY": "t" * 40}))
    with pytest.raises(pii.PiiError):
        other.decrypt(token, field="phone")
    assert first.index_key != first.keys["dev"]
    assert pii.PiiCipher(first).blind_index(PHONE, field="phone") != other.blind_index(PHONE, field="phone")


def test_one_setting_given_the_other_derived():
    partial = pii.PiiKeyRing.from_config({"SECRET_KEY": "s" * 40, "PII_KEYS": f"k1:{b64(K1)}"})
    assert partial.derived == ("PII_INDEX_KEY",) and partial.active == "k1"


def test_production_refuses_derived_keys():
    with pytest.raises(ConfigError, match="PII_KEYS and PII_INDEX_KEY must be set in production"):
        pii.PiiKeyRing.from_config({"SECRET_KEY": "s" * 40, "ENV_NAME": "production"})
    with pytest.raises(ConfigError, match="PII_INDEX_KEY"):
        pii.PiiKeyRing.from_config({"SECRET_KEY": "s" * 40, "ENV_NAME": "production", "PII_KEYS": f"k1:{b64(K1)}"})
    given = {"ENV_NAME": "production", "PII_KEYS": f"k1:{b64(K1)}", "PII_INDEX_KEY": b64(INDEX_KEY)}
    assert pii.PiiKeyRing.from_config(given).derived == ()


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"PII_KEYS": "k1"}, "kid:base64key"),
        ({"PII_KEYS": f":{b64(K1)}"}, "kid:base64key"),
        ({"PII_KEYS": f"a.b:{b64(K1)}"}, "kid:base64key"),
        ({"PII_KEYS": "k1:not base64!"}, "not valid base64"),
        ({"PII_KEYS": f"k1:{b64(b'x' * 16)}"}, "exactly 32 bytes"),
        ({"PII_KEYS": f"k1:{b64(b'x' * 33)}"}, "exactly 32 bytes"),
        ({"PII_KEYS": f"k1:{b64(K1)},k1:{b64(K2)}"}, "twice"),
        ({"PII_KEYS": f"k1:{b64(K1)}", "PII_ACTIVE_KID": "k2"}, "not in PII_KEYS"),
        ({"PII_INDEX_KEY": b64(b"x" * 16)}, "at least 32 bytes"),
        ({"PII_INDEX_KEY": "%%%"}, "not valid base64"),
        ({}, "SECRET_KEY"),
    ],
)
def test_bad_settings_are_config_errors(settings, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        pii.PiiKeyRing.from_config(settings)
    if settings:
        with pytest.raises(ConfigError, match=re.escape(says)):
            pii.PiiKeyRing.from_config({"SECRET_KEY": "s" * 40, **settings})


def test_url_safe_keys_and_generated_keys_are_accepted():
    url_safe = base64.urlsafe_b64encode(bytes([251]) * 32).decode().rstrip("=")
    assert ring(keys=f"k1:{url_safe}").keys["k1"] == bytes([251]) * 32
    generated = pii.generate_key()
    assert ring(keys=f"g:{generated}", index=pii.generate_key()).keys["g"] == base64.b64decode(generated)


def test_key_material_stays_out_of_reprs():
    shown = repr(ring()) + repr(pii.PiiCipher(ring()).ring)
    for secret in (K1, INDEX_KEY):
        assert b64(secret) not in shown and repr(secret) not in shown


def test_module_functions_use_the_current_apps_cipher():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="s" * 40, PII_KEYS=f"k1:{b64(K1)}", PII_INDEX_KEY=b64(INDEX_KEY))
    with app.app_context():
        token = pii.encrypt(PHONE, field="phone")
        assert pii.decrypt(token, field="phone") == PHONE
        assert pii.rotate(token, field="phone") == token
        assert pii.blind_index("13812345678", field="phone") == pii.PiiCipher(ring()).blind_index(PHONE, field="phone")
        assert pii.current_cipher() is pii.current_cipher()
    assert pii.PiiCipher(ring()).decrypt(token, field="phone") == PHONE
