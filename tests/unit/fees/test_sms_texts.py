"""The fee kinds' SMS texts live in the gateway's one template table and render with the params fees gives them."""

from __future__ import annotations

import pytest

from app.fees import messages  # noqa: F401  (registers the fee kinds)
from app.integrations import sms
from app.notifications import kinds

DATA = {"case_id": "c", "case_title": "张三诉李四借款合同纠纷", "amount_yuan": "50.00", "due_date": "2026-11-16"}


@pytest.mark.parametrize("kind", ["fee_notice", "fee_reminder", "fee_decision"])
def test_each_fee_kind_renders_from_the_shared_table(kind):
    spec = kinds.get(kind)
    assert spec.sms_template in sms.TEMPLATES
    text = sms.TEMPLATES[spec.sms_template].format(**spec.sms_params(DATA))
    assert text.startswith("【微法院】") and "{" not in text


def test_the_notice_says_which_fee():
    spec = kinds.get("fee_notice")
    acceptance = sms.TEMPLATES["fee_notice"].format(**spec.sms_params(DATA))
    appeal = sms.TEMPLATES["fee_notice"].format(**spec.sms_params({**DATA, "what": "交纳上诉费"}))
    assert "交纳诉讼费50.00元" in acceptance and "交纳上诉费50.00元" in appeal and "2026-11-16" in appeal
