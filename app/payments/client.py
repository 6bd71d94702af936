"""The app's WeChat Pay client: the live API (WECHATPAY_MODE=live) or the in-process development stand-in (dev).

Built once per app from its payment settings and kept in app.extensions (tests put a client pointed at their
fake server there, or change the settings and drop the key).
"""

from __future__ import annotations

import os

from flask import current_app

from app.errors import Conflict
from app.integrations.wechatpay import MerchantConfig, WeChatPayClient
from app.integrations.wechatpay_dev import DevWeChatPay
from app.platform import settings

EXTENSION_KEY = "microcourt.wechatpay"
NOTIFY_PATH = "/api/public/v1/payments/wechatpay/notify"


def current() -> WeChatPayClient:
    """The kept client (built on first use); 409 payments.disabled when payments are switched off."""
    config = settings.payments()
    if not config.enabled:
        raise Conflict("Payments are not enabled on this service.", reason="payments.disabled")
    client = current_app.extensions.get(EXTENSION_KEY)
    if client is None:
        client = current_app.extensions[EXTENSION_KEY] = build()
    return client


def build() -> WeChatPayClient:
    """A new client from the current app's settings."""
    config = settings.payments()
    if config.mode == "dev":
        appid = config.appid or settings.wechat().appid
        return DevWeChatPay(appid=appid, notify_window_seconds=config.notify_window_seconds)
    if config.mode != "live":
        raise RuntimeError(f"WECHATPAY_MODE must be dev or live, got {config.mode!r}")
    return WeChatPayClient(
        MerchantConfig(
            mchid=config.mchid,
            appid=config.appid,
            cert_serial_no=config.cert_serial_no,
            private_key=_pem(config.private_key),
            apiv3_key=config.apiv3_key,
            public_key=_pem(config.public_key),
            public_key_id=config.public_key_id,
            cert_dir=config.cert_dir,
            base_url=config.base_url,
            notify_url=notify_url(),
            timeout_seconds=config.timeout_seconds,
            notify_window_seconds=config.notify_window_seconds,
        )
    )


def notify_url() -> str:
    """Where WeChat Pay sends notifications: WECHATPAY_NOTIFY_URL, else PUBLIC_BASE_URL + the public route."""
    return settings.payments().notify_url or settings.http().public_base_url.rstrip("/") + NOTIFY_PATH


def is_dev() -> bool:
    """The in-process development stand-in is in use (never in production)."""
    return isinstance(current(), DevWeChatPay) and settings.http().env_name != "production"


def _pem(value: str) -> str:
    """A PEM given as text, or read from the file a path names."""
    if value and "-----BEGIN" not in value and os.path.isfile(value):
        with open(value, encoding="utf-8") as handle:
            return handle.read()
    return value
