"""Real-name verification: the IdentityVerifier port, a development adapter and an HTTP provider adapter.

Settings read by `build_verifier`: IDENTITY_VERIFIER ("development" | "http"), IDENTITY_VERIFIER_URL,
IDENTITY_VERIFIER_KEY (bearer key) and IDENTITY_VERIFIER_TIMEOUT (seconds, default 5). Names and ID numbers
never reach a log line or an error message.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import requests

from app.errors import ServiceUnavailable
from app.security import idcard
from app.utils import clock
from config import ConfigError

log = logging.getLogger(__name__)

PROVIDER_UNAVAILABLE = "identity.provider_unavailable"
MISMATCH = "identity.mismatch"
NAME_INVALID = "identity.name_invalid"
ID_NUMBER_INVALID = idcard.REASON
REJECTED_NAME = "拒绝测试"  # the development verifier always answers "no match" for this name
DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_TIMEOUT_SECONDS = 60.0
MAX_REFERENCE_LENGTH = 128

_CJK = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_LATIN = "[A-Za-z]"
# CJK runs joined by the middle dot (买买提·艾力), or Latin words joined by a space or the middle dot.
_NAME = re.compile(rf"{_CJK}+(?:\u00b7{_CJK}+)*|{_LATIN}+(?:[ \u00b7]{_LATIN}+)*")
NAME_MIN_LENGTH, NAME_MAX_LENGTH = 2, 20


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    """A provider's answer: whether name and number belong together, and its reference for the record."""

    verified: bool
    provider: str
    reference: str | None = None
    reason: str | None = None


class IdentityVerifier(Protocol):
    """Checks that a real name and a resident ID number belong to one person (and, later, to a face)."""

    def verify(self, real_name: str, id_number: str) -> VerificationResult:
        """Return the verdict; raise ServiceUnavailable when the provider cannot answer."""
        ...


def is_plausible_name(real_name: str) -> bool:
    """True for 2-20 characters of CJK or Latin letters joined by "·" (Latin words also by a space)."""
    return NAME_MIN_LENGTH <= len(real_name) <= NAME_MAX_LENGTH and bool(_NAME.fullmatch(real_name))


class DevelopmentVerifier:
    """Accepts any well-formed name with a valid GB 11643 number, except the name REJECTED_NAME."""

    provider = "development"

    def verify(self, real_name: str, id_number: str) -> VerificationResult:
        """Judge by form only: no outside system is asked."""
        name = real_name.strip() if isinstance(real_name, str) else ""
        if not is_plausible_name(name):
            return self._no(NAME_INVALID)
        if not idcard.is_valid(id_number, clock.now_shanghai().date()):
            return self._no(ID_NUMBER_INVALID)
        if name == REJECTED_NAME:
            return self._no(MISMATCH)
        return VerificationResult(verified=True, provider=self.provider, reference=f"dev-{uuid.uuid4().hex}")

    def _no(self, reason: str) -> VerificationResult:
        return VerificationResult(verified=False, provider=self.provider, reason=reason)


class HttpIdentityVerifier:
    """POSTs {name, id_number} as JSON with a bearer key; expects 2xx {"match": bool, "reference": ...}.

    This is the seam for a commercial real-name or face-verification provider. It never retries: a
    verification may be billed per call, and the caller can simply ask again.
    """

    provider = "http"

    def __init__(self, *, url: str, key: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.url = url
        self._key = key
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpIdentityVerifier(url={self.url!r}, timeout={self.timeout})"

    def verify(self, real_name: str, id_number: str) -> VerificationResult:
        """Ask the provider; map its answer, or raise ServiceUnavailable when it gives none."""
        try:
            response = requests.post(
                self.url,
                json={"name": real_name, "id_number": id_number},
                headers={"Authorization": f"Bearer {self._key}", "Accept": "application/json"},
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            log.warning("identity provider unreachable: %s", type(exc).__name__)
            raise _unavailable() from None
        return self._result(response)

    def _result(self, response: requests.Response) -> VerificationResult:
        if not 200 <= response.status_code < 300:
            log.warning("identity provider answered HTTP %s", response.status_code)
            raise _unavailable(retry_after=_retry_after(response))
        try:
            body = response.json()
        except ValueError:
            body = None
        match = body.get("match") if isinstance(body, dict) else None
        if not isinstance(match, bool):
            log.warning("identity provider answered without a boolean 'match'")
            raise _unavailable()
        reference = body.get("reference")
        reference = str(reference)[:MAX_REFERENCE_LENGTH] if reference not in (None, "") else None
        return VerificationResult(
            verified=match, provider=self.provider, reference=reference, reason=None if match else MISMATCH
        )


def _unavailable(retry_after: int = 5) -> ServiceUnavailable:
    return ServiceUnavailable(
        "Identity verification is unavailable; try again shortly.", reason=PROVIDER_UNAVAILABLE, retry_after=retry_after
    )


def _retry_after(response: requests.Response) -> int:
    raw = response.headers.get("Retry-After", "").strip()
    return min(int(raw), 3600) if raw.isascii() and raw.isdigit() else 5


def _timeout(raw: object) -> float:
    try:
        value = float(str(raw).strip()) if raw not in (None, "") else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        raise ConfigError("IDENTITY_VERIFIER_TIMEOUT must be a number of seconds") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:
        raise ConfigError(f"IDENTITY_VERIFIER_TIMEOUT must be between 0 and {MAX_TIMEOUT_SECONDS:g} seconds")
    return value


def build_verifier(config: Mapping[str, Any]) -> IdentityVerifier:
    """Pick the adapter named by IDENTITY_VERIFIER; the development one is refused in production."""
    kind = str(config.get("IDENTITY_VERIFIER") or "development").strip().lower()
    if kind == "development":
        if config.get("ENV_NAME") == "production":
            raise ConfigError("IDENTITY_VERIFIER=development accepts anyone; production needs a real provider")
        return DevelopmentVerifier()
    if kind != "http":
        raise ConfigError(f"IDENTITY_VERIFIER must be 'development' or 'http', got {kind!r}")
    url = str(config.get("IDENTITY_VERIFIER_URL") or "").strip()
    key = str(config.get("IDENTITY_VERIFIER_KEY") or "").strip()
    if not url.startswith(("https://", "http://")):
        raise ConfigError("IDENTITY_VERIFIER_URL must be an http(s) URL")
    if url.startswith("http://") and config.get("ENV_NAME") == "production":
        raise ConfigError("IDENTITY_VERIFIER_URL must use https in production (names and ID numbers travel)")
    if not key:
        raise ConfigError("IDENTITY_VERIFIER_KEY is required for IDENTITY_VERIFIER=http")
    return HttpIdentityVerifier(url=url, key=key, timeout=_timeout(config.get("IDENTITY_VERIFIER_TIMEOUT")))
