"""Statistics in the console (Chromium, desktop size): the court's published figures month by month as inline
SVG bar charts, each with a data table holding the same figures as the API; the whole platform's on request."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.api.mediation.helpers_outcome import dispute
from tests.browser.conftest import Problems
from tests.browser.journeys import clerk_with_phone, sms_login
from tests.support.factories import login, make_court, make_org
from tests.support.review import litigation


def test_stats_render_as_charts_with_tables(site, client, desktop_page: Page, problems: Problems):
    court = make_court()
    litigation(court, title="张三诉李四民间借贷纠纷")
    dispute(org=make_org(), court=court)
    clerk, phone = clerk_with_phone(court)
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    month = client.get(
        f"/api/court/v1/stats?court_id={court.id}&from={today.replace(day=1)}&to={today}", headers=login(clerk)
    ).get_json()

    page = desktop_page
    page.goto(f"{site.url}/console/#/stats")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name="统计", exact=True)).to_be_visible()
    chart = page.get_by_role("img", name="每月纠纷数与网上立案数")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar")).not_to_have_count(0)
    for name in ("每月调解结案数", "每月调解成功率"):
        expect(page.get_by_role("img", name=name)).to_be_visible()

    table = page.get_by_role("table", name="每月纠纷数与网上立案数")
    expect(table.locator("tbody tr")).to_have_count(6)
    this_month = table.locator("tbody tr").last.locator("td")
    expect(this_month.nth(0)).to_have_text(str(month["disputes_total"]))
    expect(this_month.nth(1)).to_have_text(str(month["online_filings_total"]))
    assert month["disputes_total"] >= 1
    expect(page.get_by_role("table", name="每月调解成功率").locator("tbody tr")).to_have_count(6)

    page.get_by_label("范围").select_option("platform")
    expect(page.get_by_label("范围")).to_have_value("platform")
    expect(page.get_by_role("img", name="每月纠纷数与网上立案数")).to_be_visible()

    page.get_by_label("语言").select_option("en")  # every word from the English catalogue too
    expect(page.get_by_role("heading", name="Statistics", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Disputes and online filings each month")).to_be_visible()
    for route in ("#/batch", "#/delegations", "#/confirmations"):
        page.goto(f"{site.url}/console/{route}")
        expect(page.locator("main h1")).not_to_have_text("正在加载…")
    expect(page.get_by_role("heading", name="Judicial confirmation")).to_be_visible()
    assert problems == []
