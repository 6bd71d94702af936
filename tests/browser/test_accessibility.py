"""axe-core (vendored from npm, tests/browser/vendor/axe-core) over the main pages: no serious or critical
violation of WCAG 2.1 A/AA, at a phone's width and in large-text mode."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.service.support import service_world
from tests.browser.conftest import PHONE
from tests.browser.journeys import clerk_with_phone, phone_of, served_document, sms_login
from tests.support.review import litigation

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def checked_page(browser: Browser):
    """A 360 px page whose context lets the test inject axe (the pages' own CSP refuses inline scripts)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def serious(page: Page) -> list[str]:
    """The serious and critical violations axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_the_vendored_axe_is_the_published_file():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


def test_h5_pages_have_no_serious_violations(site, client, checked_page: Page):
    world, document_id = served_document(client)
    page = checked_page
    page.goto(f"{site.url}/h5/")
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    assert serious(page) == [], "login"
    sms_login(page, phone_of(world.respondent_user))
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    assert serious(page) == [], "inbox"
    page.goto(f"{site.url}/h5/#/documents/{document_id}")
    expect(page.get_by_role("button", name="确认签收")).to_be_visible()
    assert serious(page) == [], "document"
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    expect(page.get_by_role("heading", name="案件进展")).to_be_visible()
    assert serious(page) == [], "case"
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}/evidence")
    expect(page.get_by_role("heading", name="上传证据")).to_be_visible()
    page.get_by_role("button", name="大字模式").click()
    assert serious(page) == [], "evidence, large text"


def test_console_pages_have_no_serious_violations(site, checked_page: Page):
    world = service_world()
    litigation(world.court, title="张三诉李四民间借贷纠纷")
    _clerk, phone = clerk_with_phone(world.court)
    page = checked_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name="立案审查")).to_be_visible()
    page.get_by_role("button", name="要求补正").first.click()
    assert serious(page) == [], "review queue"
    page.goto(f"{site.url}/console/#/push?case={world.case.id}")
    expect(page.get_by_label("受送达人")).not_to_be_empty()
    assert serious(page) == [], "push"
    page.goto(f"{site.url}/console/#/work-items")
    expect(page.get_by_role("heading", name="送达待办事项")).to_be_visible()
    assert serious(page) == [], "work items"
