"""Delegated cases (委派/委托调解) in the console (Chromium, desktop size): the court's list with each one's state,
and recalling one the organisation has not answered yet, checked in the database."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from app.extensions import db
from app.mediation.models import CourtDelegation as Delegation
from tests.api.mediation.helpers_outcome import COURT, link
from tests.browser.conftest import Problems
from tests.browser.journeys import clerk_with_phone, sms_login
from tests.support.factories import login, make_court, make_org
from tests.support.review import litigation


def test_a_clerk_sees_the_delegations_and_recalls_one(site, client, desktop_page: Page, problems: Problems):
    court, org = make_court(), make_org(name="北仑区人民调解委员会")
    link(org, court)
    clerk, phone = clerk_with_phone(court)
    filing = litigation(court, title="张三诉李四物业服务合同纠纷")
    due = (dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=30)).isoformat()
    sent = client.post(
        f"{COURT}/delegations",
        json={"case_id": str(filing.id), "org_id": str(org.id), "due_date": due},
        headers=login(clerk),
    )
    assert sent.status_code == 201, sent.get_json()
    delegation_id = sent.get_json()["id"]

    page = desktop_page
    page.goto(f"{site.url}/console/#/delegations")
    sms_login(page, phone)
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
