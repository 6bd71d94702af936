"""The app's clients of outside systems and its key rings, built once in create_app and handed to services.

    adapters.wechat().code2session(code)
    adapters.jwt_ring()

`install(app)` (called by create_app) builds each one from the app's config and keeps it in
app.extensions under the key below. An accessor returns the kept one; if it is missing (a test dropped
it after changing the settings it was built from, or the app was not made by create_app) it is built
again from the current config and kept. Clients keep state worth keeping (HTTP sessions, token caches,
the console gateway's sent messages), so unlike settings objects they are NOT rebuilt when app.config
changes: drop the key from app.extensions to rebuild one.

The blob store is wired the same way but lives in app/storage/registry.py. The PII cipher's slot is read
by app/security/pii.py itself (security sits below platform and cannot import this module); the build
here and the fallback there use the same key and the same `PiiCipher.from_config`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask, current_app

from app.integrations.email import Mailer, build_mailer
from app.integrations.identity import IdentityVerifier, build_verifier
from app.integrations.sms import SmsGateway, build_gateway
from app.integrations.wechat import WeChatClient
from app.security import pii, tokens

T = TypeVar("T")

WECHAT = "microcourt.wechat"
SMS = "microcourt.sms"
MAILER = "microcourt.mailer"
IDENTITY_VERIFIER = "microcourt.identity_verifier"
JWT_RING = "microcourt.jwt_ring"
PII = pii.EXTENSION_KEY


def _build_identity_verifier(config: Mapping[str, Any]) -> IdentityVerifier:
    # build_verifier refuses the development verifier when told the environment is production.
    return build_verifier({**config, "ENV_NAME": config["MICROCOURT_ENV"]})


BUILDERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    WECHAT: WeChatClient.from_config,
    SMS: build_gateway,
    MAILER: build_mailer,
    IDENTITY_VERIFIER: _build_identity_verifier,
    JWT_RING: tokens.KeyRing.from_config,
    PII: pii.PiiCipher.from_config,
}


def install(app: Flask) -> None:
    """Build every adapter for a new app (create_app); a bad key ring or verifier setting fails at start."""
    for key, build in BUILDERS.items():
        app.extensions[key] = build(app.config)


def _kept(key: str) -> Any:
    built = current_app.extensions.get(key)
    if built is None:
        built = current_app.extensions[key] = BUILDERS[key](current_app.config)
    return built


def wechat() -> WeChatClient:
    """The app's WeChat mini-program client."""
    client: WeChatClient = _kept(WECHAT)
    return client


def sms_gateway() -> SmsGateway:
    """The app's SMS gateway (console in development, http in production)."""
    gateway: SmsGateway = _kept(SMS)
    return gateway


def mailer() -> Mailer:
    """The app's e-mail sender (SMTP when EMAIL_SMTP_HOST is set, else the console mailer)."""
    built: Mailer = _kept(MAILER)
    return built


def identity_verifier() -> IdentityVerifier:
    """The app's real-name identity provider."""
    verifier: IdentityVerifier = _kept(IDENTITY_VERIFIER)
    return verifier


def jwt_ring() -> tokens.KeyRing:
    """The app's JWT signing and verifying keys."""
    ring: tokens.KeyRing = _kept(JWT_RING)
    return ring


def pii_cipher() -> pii.PiiCipher:
    """The app's PII cipher (the same object app.security.pii's module functions use)."""
    return pii.current_cipher()
