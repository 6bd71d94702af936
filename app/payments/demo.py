"""Demo data for `make run`: the demo citizens can pay with the development WeChat Pay.

Paying needs an account logged in with WeChat (its openid); demo people log in by SMS, so in development the
demo citizens get a made-up openid. Nothing happens unless WECHATPAY_MODE is dev.
"""

from __future__ import annotations

from app.extensions import db
from app.identity import accounts
from app.platform import settings
from app.platform.demo import SEEDERS

DEMO_PAYERS = ("13800000008", "13800000009")


def seed_payments() -> str:
    """Give the demo citizens a development WeChat openid (idempotent)."""
    config = settings.payments()
    if not config.enabled or config.mode != "dev" or settings.http().env_name == "production":
        return "payments: not in development mode; nothing seeded"
    for phone in DEMO_PAYERS:
        user = accounts.ensure_user_by_phone(phone)
        user.wechat_openid = user.wechat_openid or f"o_dev_{phone}"
    db.session.commit()
    return (
        "payments: WeChat Pay is the built-in development stand-in; after ordering a notice "
        "(POST /api/mp/v1/fee-notices/{id}/payments) pay it with POST /api/mp/v1/dev/payments/{order_id}/pay"
    )


SEEDERS.append(seed_payments)
