"""The judicial confirmation queue (司法确认) in the console (Chromium, desktop size): a judge accepts a submitted
application (numbered 调确) and decides it, checked in the database."""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, expect

from app.cases.models import Case
from app.extensions import db
from app.mediation.models import JudicialConfirmation
from tests.api.mediation.helpers_outcome import agreement, confirmation, dispute
from tests.browser.conftest import Problems
from tests.browser.journeys import sms_login
from tests.support.factories import grant, make_court, make_org, make_user

_phones = itertools.count(1)


def judge_with_phone(court) -> str:
    """A judge of the court who logs in by SMS."""
    phone = f"1362{next(_phones):07d}"
    grant(make_user(phone=phone, real_name="李法官"), role="judge", court=court)
    db.session.commit()
    return phone


def submitted_application(court, title: str) -> JudicialConfirmation:
    """A settled mediation at the court whose parties applied for confirmation, waiting for the court."""
    case = dispute(org=make_org(), court=court, respondent=make_user(real_name="李四"), title=title)
    row = agreement(case)
    db.session.get(Case, case.id).status = "judicial_confirmation_requested"
    db.session.commit()
    return confirmation(case, row, status="submitted")


def test_a_judge_accepts_and_confirms_an_agreement(site, desktop_page: Page, problems: Problems):
    court = make_court()
    application = submitted_application(court, "张三与李四民间借贷纠纷")
    phone = judge_with_phone(court)
    page = desktop_page
    page.goto(f"{site.url}/console/#/confirmations")
    sms_login(page, phone)

    expect(page.get_by_role("heading", name="司法确认申请")).to_be_visible()
    row = page.locator(f'li[data-confirmation="{application.id}"]')
    expect(row).to_contain_text("张三与李四民间借贷纠纷")
    expect(row.locator(".c-status")).to_have_text("待受理")
    row.get_by_role("button", name="受理").click()
    expect(row.get_by_role("status")).to_contain_text("已受理，案号")
    db.session.expire_all()
    number = db.session.get(JudicialConfirmation, application.id).case_number
    assert number and "调确" in number and number in row.inner_text()

    page.get_by_label("显示").select_option("accepted")
    row = page.locator(f'li[data-confirmation="{application.id}"]')
    expect(row.locator(".c-status")).to_have_text("已受理，待裁定")
    row.get_by_role("button", name="作出裁定").click()
    expect(row.get_by_role("alert")).to_have_text("请填写理由。")  # the reasons are required
    row.get_by_label("确认调解协议有效").check()
    row.get_by_label("理由").fill("协议系双方自愿达成，内容不违反法律规定。")
    row.get_by_role("button", name="作出裁定").click()
    expect(row.get_by_role("status")).to_have_text("已裁定：已确认有效")

    db.session.expire_all()
    decided = db.session.get(JudicialConfirmation, application.id)
    assert decided.status == "confirmed" and decided.decision_reason == "协议系双方自愿达成，内容不违反法律规定。"
    assert db.session.get(Case, application.case_id).status == "confirmed"
    assert problems == []
