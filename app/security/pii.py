"""PII protection: AES-256-GCM under a key ring, keyed blind indexes, phone normalization and masking.

Settings (read by `PiiKeyRing.from_config`):
- PII_KEYS: "kid:base64key[,kid:base64key]" with 32-byte keys; the first (or PII_ACTIVE_KID) encrypts,
  every listed key decrypts, so a new key goes first and old ones stay until `rotate` has run over the data.
- PII_ACTIVE_KID: optional, the id of the encrypting key.
- PII_INDEX_KEY: base64 of at least 32 bytes, the HMAC key of blind indexes. It cannot rotate without
  recomputing every index, so it is a single key.
Without them (development and testing only) both are derived from SECRET_KEY with HKDF; production must
set them, and a ring is refused when ENV_NAME is "production" and either is missing.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from app.errors import AppError, ValidationFailed
from app.security import idcard
from config import ConfigError

PHONE = "phone"
ID_NUMBER = "id_number"
VERSION = "v1"
KEY_BYTES = 32
MIN_INDEX_KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
DEV_KID = "dev"
PHONE_REASON = "identity.phone_invalid"
EXTENSION_KEY = "microcourt.pii"  # the app.extensions slot app/platform/adapters.py fills in create_app

_KID = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)
_FIELD = re.compile(r"[a-z][a-z0-9_]{0,39}(?:\.[a-z][a-z0-9_]{0,39}){0,3}", re.ASCII)
_B64URL = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_B64_ANY = re.compile(r"[A-Za-z0-9+/_-]+={0,2}", re.ASCII)
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "\uff0b": "+", "\uff0d": "-"})
_LATIN_INITIAL = re.compile(r"[A-Za-z\u00c0-\u024f]")


class PiiError(AppError):
    """A stored PII ciphertext cannot be opened: malformed, tampered, or from another field."""

    http_status = 500
    reason = "pii.undecryptable"
    default_message = "A protected value could not be decrypted."


class UnknownPiiKey(PiiError):
    """The ciphertext names a key id that is not in PII_KEYS (retired too early, or another system's)."""

    reason = "pii.unknown_key"


@dataclasses.dataclass(frozen=True)
class PiiKeyRing:
    """Encryption keys by id (`active` encrypts, all decrypt) and the single blind-index key."""

    keys: Mapping[str, bytes] = dataclasses.field(repr=False)
    active: str
    index_key: bytes = dataclasses.field(repr=False)
    derived: tuple[str, ...] = ()  # settings that were derived from SECRET_KEY (development only)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ConfigError(f"PII_ACTIVE_KID {self.active!r} is not in PII_KEYS")
        if any(len(key) != KEY_BYTES for key in self.keys.values()):
            raise ConfigError(f"PII encryption keys must be {KEY_BYTES} bytes")
        if len(self.index_key) < MIN_INDEX_KEY_BYTES:
            raise ConfigError(f"PII_INDEX_KEY must be at least {MIN_INDEX_KEY_BYTES} bytes")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PiiKeyRing:
        """Build from PII_KEYS / PII_ACTIVE_KID / PII_INDEX_KEY, deriving missing keys outside production."""
        keys = _parse_keys(str(config.get("PII_KEYS") or ""))
        active = str(config.get("PII_ACTIVE_KID") or "").strip() or next(iter(keys), DEV_KID)
        if keys and active not in keys:
            raise ConfigError(f"PII_ACTIVE_KID {active!r} is not in PII_KEYS")
        index_text = str(config.get("PII_INDEX_KEY") or "").strip()
        derived = tuple(name for name, given in (("PII_KEYS", keys), ("PII_INDEX_KEY", index_text)) if not given)
        if derived and config.get("ENV_NAME") == "production":
            raise ConfigError(f"{' and '.join(derived)} must be set in production")
        index_key = _decode_key(index_text, "PII_INDEX_KEY") if index_text else _derive(config, b"blind-index")
        keys = keys or {DEV_KID: _derive(config, b"encryption")}
        return cls(keys=keys, active=active, index_key=index_key, derived=derived)


def generate_key() -> str:
    """Return a fresh random 32-byte key in base64, for PII_KEYS or PII_INDEX_KEY."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _parse_keys(raw: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        kid, sep, text = entry.partition(":")
        kid = kid.strip()
        if not sep or not _KID.fullmatch(kid):
            raise ConfigError("PII_KEYS entries must look like kid:base64key (kid of letters, digits, _ or -)")
        if kid in keys:
            raise ConfigError(f"PII_KEYS lists key id {kid!r} twice")
        keys[kid] = _decode_key(text, f"PII_KEYS key {kid!r}", exact=True)
    return keys


def _decode_key(text: str, name: str, *, exact: bool = False) -> bytes:
    text = text.strip()
    try:
        if not _B64_ANY.fullmatch(text):
            raise ValueError
        key = base64.b64decode(text.translate(str.maketrans("-_", "+/")) + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(f"{name} is not valid base64") from None
    if len(key) < KEY_BYTES or (exact and len(key) != KEY_BYTES):
        need = "exactly" if exact else "at least"
        raise ConfigError(f"{name} must decode to {need} {KEY_BYTES} bytes, got {len(key)}")
    return key


def _derive(config: Mapping[str, Any], purpose: bytes) -> bytes:
    secret = str(config.get("SECRET_KEY") or "")
    if not secret:
        raise ConfigError("SECRET_KEY is needed to derive development PII keys")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"microcourt-pii-v1", info=purpose)
    return hkdf.derive(secret.encode("utf-8"))


def _check_field(field: str) -> bytes:
    if not isinstance(field, str) or not _FIELD.fullmatch(field):
        raise ValueError("field must be a lower-case name such as 'phone' or 'id_number'")
    return f"{VERSION}:{field}".encode("ascii")  # associated data: binds a ciphertext to its column


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64url(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise PiiError("The PII ciphertext is malformed.", reason="pii.malformed")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise PiiError("The PII ciphertext is malformed.", reason="pii.malformed") from None


class PiiCipher:
    """Encrypts, decrypts, rotates and indexes PII with one key ring."""

    def __init__(self, ring: PiiKeyRing) -> None:
        self.ring = ring
        self._aeads = {kid: AESGCM(key) for kid, key in ring.keys.items()}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PiiCipher:
        """Build a cipher over `PiiKeyRing.from_config(config)`."""
        return cls(PiiKeyRing.from_config(config))

    def encrypt(self, value: str, *, field: str) -> str:
        """Encrypt with the active key: `v1.<kid>.<nonce>.<ciphertext+tag>`, bound to `field`."""
        if not isinstance(value, str):
            raise TypeError("only text values are encrypted")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[self.ring.active].encrypt(nonce, value.encode("utf-8"), _check_field(field))
        return ".".join((VERSION, self.ring.active, _b64url(nonce), _b64url(sealed)))

    def decrypt(self, token: str, *, field: str) -> str:
        """Decrypt a token made by `encrypt` for the same field; raise PiiError otherwise."""
        aad = _check_field(field)
        kid, nonce, sealed = self._parse(token)
        try:
            plain = self._aeads[kid].decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise PiiError(
                "The PII ciphertext failed authentication (tampered, or stored under another field).",
                reason="pii.tampered",
            ) from None
        return plain.decode("utf-8")

    def key_id(self, token: str) -> str:
        """Return the id of the key a token was encrypted with."""
        return self._parse(token)[0]

    def needs_rotation(self, token: str) -> bool:
        """True when the token is not under the active key."""
        return self.key_id(token) != self.ring.active

    def rotate(self, token: str, *, field: str) -> str:
        """Re-encrypt under the active key; a token already under it is checked and returned unchanged."""
        value = self.decrypt(token, field=field)
        return self.encrypt(value, field=field) if self.needs_rotation(token) else token

    def blind_index(self, value: str, *, field: str) -> str:
        """Hex HMAC-SHA256 over the field name and the normalized value, for equality look-ups."""
        _check_field(field)
        message = f"{field}\x00{normalize_for_index(value, field=field)}".encode()
        return hmac.new(self.ring.index_key, message, hashlib.sha256).hexdigest()

    def _parse(self, token: str) -> tuple[str, bytes, bytes]:
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 4 or parts[0] != VERSION:
            raise PiiError("The PII ciphertext is malformed.", reason="pii.malformed")
        kid = parts[1]
        if kid not in self._aeads:
            shown = kid if _KID.fullmatch(kid) else "?"
            raise UnknownPiiKey(f"The PII key {shown!r} is not in PII_KEYS.")
        nonce, sealed = _unb64url(parts[2]), _unb64url(parts[3])
        if len(nonce) != NONCE_BYTES or len(sealed) < TAG_BYTES:
            raise PiiError("The PII ciphertext is malformed.", reason="pii.malformed")
        return kid, nonce, sealed


def current_cipher() -> PiiCipher:
    """The cipher of the current Flask app: the one create_app built, else built from its config and kept.

    The fallback serves apps not made by create_app and tests that dropped the cipher to rebuild it;
    it cannot call app.platform.adapters (platform imports security, never the other way).
    """
    cipher = current_app.extensions.get(EXTENSION_KEY)
    if cipher is None:
        cipher = current_app.extensions[EXTENSION_KEY] = PiiCipher.from_config(current_app.config)
    return cipher


def encrypt(value: str, *, field: str) -> str:
    """Encrypt with the current app's active PII key."""
    return current_cipher().encrypt(value, field=field)


def decrypt(token: str, *, field: str) -> str:
    """Decrypt with the current app's PII key ring."""
    return current_cipher().decrypt(token, field=field)


def rotate(token: str, *, field: str) -> str:
    """Re-encrypt under the current app's active PII key."""
    return current_cipher().rotate(token, field=field)


def blind_index(value: str, *, field: str) -> str:
    """Blind index under the current app's PII_INDEX_KEY."""
    return current_cipher().blind_index(value, field=field)


def _phone_invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The phone number is invalid.", reason=PHONE_REASON, errors={"phone": [message]})


def normalize_phone(raw: object) -> str:
    """Return a mainland mobile number as +86 and 11 digits; raise ValidationFailed otherwise."""
    if not isinstance(raw, str):
        raise _phone_invalid("must be a string.")
    text = _PHONE_SEPARATORS.sub("", raw.translate(_PHONE_FULL_WIDTH))
    if not text:
        raise _phone_invalid("is required.")
    if not re.fullmatch(r"\+?[0-9]+", text, re.ASCII):
        raise _phone_invalid("may contain only digits, spaces, hyphens, parentheses and a leading +.")
    if text.startswith("+") and not text.startswith("+86"):
        raise _phone_invalid("only mainland China mobile numbers (+86) are accepted.")
    national = text.removeprefix("+86") if text.startswith("+") else text
    if national.startswith("0086"):
        national = national[4:]
    elif len(national) == 13 and national.startswith("86"):
        national = national[2:]
    if not _MOBILE.fullmatch(national):
        raise _phone_invalid("must be a mainland China mobile number: 11 digits starting with 13 to 19.")
    return "+86" + national


def normalize_for_index(value: str, *, field: str) -> str:
    """Normalize by the field's last name part: phones to +86..., ID numbers cleaned, other text NFKC."""
    if not isinstance(value, str):
        raise TypeError("only text values are indexed")
    kind = field.rsplit(".", 1)[-1]
    if kind == PHONE:
        return normalize_phone(value)
    if kind == ID_NUMBER:
        return idcard.clean(value)
    return unicodedata.normalize("NFKC", value).strip()


def mask_phone(phone: str | None) -> str | None:
    """Show a mobile number as 138****5678; anything unparseable is fully starred."""
    if phone is None:
        return None
    try:
        national = normalize_phone(phone)[3:]
    except ValidationFailed:
        return "*" * 11
    return f"{national[:3]}****{national[-4:]}"


def mask_id_number(number: str | None) -> str | None:
    """Show an ID number as 330***********1234 (first 3, last 4, same length)."""
    if number is None:
        return None
    return idcard.mask(idcard.clean(number))


def mask_name(name: str | None) -> str | None:
    """Show a name as 张** (one star per hidden character) or J*** for Latin names; one character is *."""
    if name is None:
        return None
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if _LATIN_INITIAL.match(name):
        return name[0] + "***"
    return name[0] + "*" * (len(name) - 1)
