"""The mediation organisation's administrator in the console (Chromium, desktop size): logs in, lands on the queue
of disputes waiting for a mediator, assigns the recommended mediator and sees the case leave the queue; the
organisation's mediators and figures; each step through the public API and checked in the database."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.mediation.models import MediatorAssignment
from tests.api.mediation.helpers_outcome import dispute, mediator, status_of
from tests.browser.conftest import Problems
from tests.browser.journeys import org_admin_with_phone, sms_login
from tests.support.factories import make_org


def test_an_org_admin_assigns_a_mediator_from_the_queue(site, desktop_page: Page, problems: Problems):
    org = make_org()
    case = dispute(org=org, title="张三与李四民间借贷纠纷")
    _user, profile = mediator(org, name="陈调解")
    _admin, phone = org_admin_with_phone(org)

    page = desktop_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name="待分配调解员的案件")).to_be_visible()
    expect(page.get_by_role("link", name="待分配案件")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="立案审查")).to_be_hidden()  # an org admin is not court staff
    expect(page.get_by_role("link", name="调解日程")).to_be_hidden()  # nor a mediator
    card = page.locator(f'li[data-case="{case.id}"]')
    expect(card).to_contain_text("张三与李四民间借贷纠纷")
    expect(card).to_contain_text("民间借贷纠纷")

    card.get_by_role("button", name="分配调解员：张三与李四民间借贷纠纷").click()
    choice = card.get_by_label("调解员")
    expect(choice).to_be_focused()
    expect(choice.locator("option")).to_contain_text(["陈调解"])
    choice.select_option(str(profile.id))
    card.get_by_role("button", name="确认分配").click()
    done = page.locator("#main").get_by_role("status")
    expect(done).to_contain_text("已分配给调解员 陈调解")
    expect(page.locator(f'li[data-case="{case.id}"]')).to_have_count(0)
    expect(page.locator("#org-queue-empty")).to_be_visible()
    db.session.expire_all()
    assert status_of(case.id) == "assigned"
    offered = db.session.scalars(select(MediatorAssignment).filter_by(case_id=case.id)).all()
    assert [(a.profile_id, a.status, a.assigned_via) for a in offered] == [(profile.id, "pending", "org_admin")]

    page.reload()  # the server's queue agrees
    expect(page.locator("#org-queue-empty")).to_be_visible()

    page.get_by_role("link", name="调解员", exact=True).click()
    expect(page.get_by_role("heading", name="本组织的调解员")).to_be_visible()
    expect(page.locator(f'li[data-mediator="{profile.id}"]')).to_contain_text("在办 1 / 上限 10")

    page.get_by_role("link", name="组织统计").click()
    expect(page.get_by_role("heading", name="本组织统计")).to_be_visible()
    expect(page.get_by_role("img", name="每月纠纷数与调解结案数")).to_be_visible()
    expect(page.locator("#org-summary")).to_contain_text("纠纷总数")
    assert problems == []
