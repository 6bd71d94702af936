"""Production refuses to start with payments enabled and a merchant secret missing; the bill parser's arithmetic."""

from __future__ import annotations

import pytest

from app.integrations.wechatpay import parse_trade_bill, yuan_to_fen
from config import ConfigError, load_config
from tests.support.fake_wechatpay import FakeWeChatPay
from tests.unit.test_config import GOOD_PRODUCTION

MERCHANT = {
    "PAYMENTS_ENABLED": "1",
    "WECHATPAY_MCHID": "1900009191",
    "WECHATPAY_APPID": "wxd678efh567hg6787",
    "WECHATPAY_CERT_SERIAL_NO": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    "WECHATPAY_PRIVATE_KEY": "/run/secrets/apiclient_key.pem",
    "WECHATPAY_APIV3_KEY": "a" * 32,
    "WECHATPAY_PUBLIC_KEY": "/run/secrets/pub_key.pem",
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0114232003082013000000000000",
}


def test_production_pays_by_default_and_a_court_collecting_offline_opts_out():
    assert load_config(GOOD_PRODUCTION).PAYMENTS_ENABLED is True  # fees are always on
    merchantless = {k: v for k, v in GOOD_PRODUCTION.items() if not k.startswith("WECHATPAY_")}
    with pytest.raises(ConfigError, match="WECHATPAY_MCHID"):
        load_config(merchantless)
    assert load_config({**merchantless, "PAYMENTS_ENABLED": "0"}).PAYMENTS_ENABLED is False


def test_production_with_a_complete_merchant_starts():
    config = load_config({**GOOD_PRODUCTION, **MERCHANT})
    assert config.WECHATPAY_MODE == "live" and config.PAYMENTS_ENABLED is True


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"WECHATPAY_MCHID": ""}, "WECHATPAY_MCHID"),
        ({"WECHATPAY_PRIVATE_KEY": ""}, "WECHATPAY_PRIVATE_KEY"),
        ({"WECHATPAY_APIV3_KEY": ""}, "WECHATPAY_APIV3_KEY"),
        ({"WECHATPAY_APIV3_KEY": "short"}, "32 characters"),
        ({"WECHATPAY_PUBLIC_KEY": ""}, "WECHATPAY_PUBLIC_KEY"),
        ({"WECHATPAY_MODE": "dev"}, "WECHATPAY_MODE=live"),
    ],
)
def test_production_refuses_payments_without_their_secrets(change, complaint):
    with pytest.raises(ConfigError, match=complaint):
        load_config({**GOOD_PRODUCTION, **MERCHANT, **change})


def test_platform_certificate_mode_is_an_alternative_to_the_public_key():
    env = {**GOOD_PRODUCTION, **MERCHANT, "WECHATPAY_PUBLIC_KEY": "", "WECHATPAY_CERT_DIR": "/srv/wechatpay-certs"}
    assert load_config(env).WECHATPAY_CERT_DIR == "/srv/wechatpay-certs"


@pytest.mark.parametrize(
    ("text", "fen"), [("`0.01", 1), ("¥12.50", 1250), ("100", 10000), ("`2300.5", 230050), ("-1.05", -105)]
)
def test_bill_amounts_are_exact_fen(text, fen):
    assert yuan_to_fen(text) == fen


def test_a_bill_is_parsed_into_payment_and_refund_rows():
    fake = FakeWeChatPay()
    fake.orders["MC1"] = {
        "amount": {"total": 230000},
        "transaction_id": "4200000001",
        "trade_state": "SUCCESS",
        "payer": {"openid": "o"},
    }
    fake.refunds["RF1"] = {
        "out_trade_no": "MC1",
        "transaction_id": "4200000001",
        "refund_id": "5030000001",
        "status": "SUCCESS",
        "amount": {"total": 230000, "refund": 115000},
    }
    rows = parse_trade_bill(fake.bill_text())
    assert [(r["trade_state"], r["out_trade_no"], r["total_fen"], r["refund_fen"]) for r in rows] == [
        ("SUCCESS", "MC1", 230000, 0),
        ("REFUND", "MC1", 230000, 115000),
    ]
    assert rows[1]["out_refund_no"] == "RF1" and rows[0]["transaction_id"] == "4200000001"
