"""Delegated cases (委派/委托调解) in the console (Chromium, desktop size): the court's list with each one's state,
sending a filing from the review queue to a linked organisation, and recalling it before the organisation answers,
checked in the database."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from app.extensions import db
from app.mediation.models import CourtDelegation as Delegation
from tests.api.mediation.helpers_outcome import link
from tests.browser.conftest import Problems
from tests.browser.journeys import clerk_with_phone, sms_login
from tests.support.factories import make_court, make_org
from tests.support.review import litigation


def test_a_clerk_delegates_a_filing_and_recalls_it(site, desktop_page: Page, problems: Problems):
    court, org = make_court(), make_org(name="北仑区人民调解委员会")
    link(org, court)
    _clerk, phone = clerk_with_phone(court)
    filing = litigation(court, title="张三诉李四物业服务合同纠纷")
    page = desktop_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)
    row = page.locator(f'li[data-case="{filing.id}"]')
    row.get_by_role("link", name="委派或委托调解").click()
    form = page.locator("#send-form")
    expect(form.get_by_label("案件编号（ID）")).to_have_value(str(filing.id))
    expect(form.get_by_label("调解组织")).to_contain_text("北仑区人民调解委员会")
    due = (dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=20)).isoformat()
    form.get_by_label("调解期限").fill(due)
    form.get_by_label("说明（可不填）").fill("请于期限内组织调解")
    form.get_by_role("button", name="发送").click()
    expect(page.locator("#main").get_by_role("status")).to_have_text("已发送：委派调解")
    db.session.expire_all()
    sent = db.session.query(Delegation).filter_by(case_id=filing.id).one()
    assert (sent.state, sent.due_date.isoformat(), sent.org_id) == ("sent", due, org.id)
    delegation_id = str(sent.id)

    expect(page.get_by_role("heading", name="委派、委托调解")).to_be_visible()
    row = page.locator(f'li[data-delegation="{delegation_id}"]')
    expect(row).to_contain_text("张三诉李四物业服务合同纠纷")
    expect(row).to_contain_text("委派调解 · 北仑区人民调解委员会")
    expect(row.locator(".d-state")).to_have_text("待调解组织接受")

    row.get_by_role("button", name="撤回委派").click()
    row.get_by_label("撤回理由（可不填）").fill("当事人已自行和解")
    row.get_by_role("button", name="确认撤回").click()
    expect(row.get_by_role("status")).to_have_text("已撤回：法院已撤回")
    db.session.expire_all()
    recalled = db.session.get(Delegation, uuid.UUID(delegation_id))
    assert recalled.state == "recalled"

    page.get_by_label("显示").select_option("recalled")
    expect(page.locator(f'li[data-delegation="{delegation_id}"]')).to_contain_text("当事人已自行和解")
    assert problems == []
