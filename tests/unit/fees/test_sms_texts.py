"""The fee kinds' SMS texts live in the gateway's one template table (catalogue entries) and render with the params
fees gives them, in the recipient's language."""

from __future__ import annotations

import pytest

from app.fees import messages
from app.integrations import sms
from app.notifications import kinds

DATA = {"case_id": "c", "case_title": "张三诉李四借款合同纠纷", "amount_yuan": "50.00", "due_date": "2026-11-16"}


def _text(kind: str, data: dict, language: str = "zh") -> str:
    spec = kinds.get(kind)
    return sms.render(spec.sms_template, kinds.texts(spec.sms_params(data), language), language)


@pytest.mark.parametrize("kind", ["fee_notice", "fee_reminder", "fee_decision"])
def test_each_fee_kind_renders_from_the_shared_table(kind):
    assert kinds.get(kind).sms_template in sms.TEMPLATES
    text = _text(kind, DATA)
    assert text.startswith("【微法院】") and "%(" not in text and "{" not in text
    english = _text(kind, DATA, "en")
    assert english.startswith("[Micro Court] ") and "%(" not in english and "张三诉李四借款合同纠纷" in english


def test_the_notice_says_which_fee():
    acceptance = _text("fee_notice", DATA)
    appeal = _text("fee_notice", {**DATA, "what": messages.what(messages.APPEAL_FEE)})
    assert "交纳诉讼费50.00元" in acceptance and "交纳上诉费50.00元" in appeal and "2026-11-16" in appeal
    english = _text("fee_notice", {**DATA, "what": messages.what(messages.APPEAL_FEE)}, "en")
    assert "Appeal fee of CNY 50.00, to be paid by 2026-11-16" in english
