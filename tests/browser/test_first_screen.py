"""A slow 3G phone: the login screen the server renders is usable before any script has run, and the scripts take
it over without losing what was typed (docs/pages.md, "Slow networks").

Chromium is throttled with CDP (Network.emulateNetworkConditions: 400 ms latency, 400 kbit/s each way) and, on top,
every script request is held back by `page.route` until the test lets it go: whatever the test checks while
they are held happened before the first module executed. The timings of the unheld run are printed (`-s`) and
recorded in docs/pages.md.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import DESKTOP, PHONE, Problems, open_page
from tests.browser.journeys import clerk_with_phone, phone_of, served_document
from tests.browser.test_accessibility import serious

SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms, each way as Chromium applies it per request
    "downloadThroughput": 400 * 1000 / 8,  # bytes per second
    "uploadThroughput": 400 * 1000 / 8,
}
SCRIPT = re.compile(r"\.js(\?.*)?$")
# When the form reaches the page and when the script has taken it over (its buttons enabled), in the page's clock.
WATCH = """
window.mcTimes = {};
new MutationObserver(() => {
  const times = window.mcTimes;
  if (!times.form && document.getElementById("phone")) times.form = performance.now();
  const send = document.getElementById("send-code");
  if (!times.ready && send && !send.disabled) times.ready = performance.now();
}).observe(document, { subtree: true, childList: true, attributes: true });
"""


def _slow(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)


class HeldScripts:
    """Holds every script request until released; after that, scripts pass straight through."""

    def __init__(self, page: Page) -> None:
        self.held: list[Route] = []
        self.open = False
        page.route(SCRIPT, self._hold)

    def _hold(self, route: Route) -> None:
        if self.open:
            route.continue_()
        else:
            self.held.append(route)

    def release(self) -> None:
        self.open = True
        for route in self.held:
            route.continue_()


def _code_from_hint(page: Page) -> str:
    hint = page.locator("#dev-code")
    expect(hint).to_be_visible(timeout=30_000)
    found = re.search(r"\d{6}", hint.inner_text())
    assert found, hint.inner_text()
    return found.group(0)


def _usable_before_scripts(page: Page, url: str, phone: str) -> HeldScripts:
    """Open the page with its scripts held: the form is there, labelled, typeable, its buttons waiting."""
    _slow(page)
    scripts = HeldScripts(page)
    page.goto(url, wait_until="commit")
    field = page.get_by_label("手机号")
    expect(field).to_be_visible(timeout=30_000)
    expect(page.get_by_label("验证码（6位数字）")).to_be_visible()
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    field.fill(phone[:5])
    field.press_sequentially(phone[5:])  # typed, key by key
    send = page.get_by_role("button", name="获取验证码")
    expect(send).to_be_disabled()  # waiting for the script, and it says so
    expect(send).to_have_accessible_description(re.compile("页面还在加载"))
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_disabled()
    assert scripts.held, "no script was requested yet"
    assert page.evaluate("document.getElementById('login-screen').dataset.ready") is None  # no module ran
    return scripts


def _taken_over(page: Page, scripts: HeldScripts, phone: str) -> None:
    scripts.release()
    send = page.get_by_role("button", name="获取验证码")
    expect(send).to_be_enabled(timeout=60_000)
    assert page.evaluate("document.getElementById('login-screen').dataset.ready") == "1"
    expect(page.get_by_label("手机号")).to_have_value(phone)  # what was typed survived the takeover
    assert page.evaluate("document.activeElement.id") == "phone"  # and the focus stayed in the field
    expect(page.locator("#login-wait")).to_have_count(0)


def test_h5_login_is_usable_before_the_scripts_and_survives_their_takeover_on_slow_3g(
    site, client, browser: Browser, problems: Problems
):
    world, document_id = served_document(client)
    phone = phone_of(world.respondent_user)
    page = open_page(browser, problems, PHONE)
    try:
        page.set_default_timeout(30_000)
        scripts = _usable_before_scripts(page, f"{site.url}/h5/#/documents/{document_id}", phone)
        # the SMS link's first screen already says what it is for, before any script
        expect(page.locator("#login-intro")).to_contain_text("文书链接")
        _taken_over(page, scripts, phone)
        expect(page.locator("#login-intro")).to_have_text("法院向您送达了一份文书。请用接收短信的手机号登录后查看。")

        page.get_by_role("button", name="获取验证码").click()
        page.get_by_label("验证码（6位数字）").fill(_code_from_hint(page))
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.get_by_role("heading", name="民事判决书")).to_be_visible(timeout=60_000)
        assert problems == []
    finally:
        page.context.close()


def test_console_login_is_usable_before_the_scripts_and_survives_their_takeover_on_slow_3g(
    site, client, browser: Browser, problems: Problems
):
    from tests.support.factories import make_court

    _clerk, phone = clerk_with_phone(make_court())
    page = open_page(browser, problems, DESKTOP)
    try:
        page.set_default_timeout(30_000)
        scripts = _usable_before_scripts(page, f"{site.url}/console/", phone)
        _taken_over(page, scripts, phone)
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_label("验证码（6位数字）").fill(_code_from_hint(page))
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.get_by_role("heading", name="立案审查")).to_be_visible(timeout=60_000)
        assert problems == []
    finally:
        page.context.close()


@pytest.mark.parametrize("site_name", ["h5", "console"])
def test_slow_3g_timings_first_usable_form_and_scripts_ready(site, browser: Browser, problems: Problems, site_name):
    """No script held: when the form is there (first contentful paint, the form being in the HTML) and when the
    scripts have taken it over, on emulated slow 3G from a cold cache. The modules arrive in parallel
    (modulepreload), so they cost about one round trip after the HTML, not one per level of imports."""
    page = open_page(browser, problems, PHONE)
    try:
        page.set_default_timeout(60_000)
        page.add_init_script(WATCH)  # run by the browser itself, not subject to the page's CSP
        _slow(page)
        page.goto(f"{site.url}/{site_name}/", wait_until="commit")
        deadline = time.monotonic() + 60
        while not page.evaluate("window.mcTimes && window.mcTimes.ready") and time.monotonic() < deadline:
            time.sleep(0.05)
        usable, ready = page.evaluate("[window.mcTimes.form, window.mcTimes.ready]")
        assert usable and ready, (usable, ready)
        paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
        fetched = page.evaluate(
            "performance.getEntriesByType('resource').filter((e) => /[.]js$/.test(e.name)).map((e) => e.startTime)"
        )
        catalogue = page.evaluate(
            "performance.getEntriesByType('resource').filter((e) => /i18n[/].*json/.test(e.name)).length"
        )
        print(
            f"\n{site_name} on slow 3G: form in the DOM at {usable:.0f} ms, first paint at {paint:.0f} ms, "
            f"scripts ready at {ready:.0f} ms; module requests started at "
            f"{', '.join(f'{start:.0f}' for start in sorted(fetched))} ms"
        )
        assert usable < ready
        assert catalogue == 1, "the catalogue was fetched twice (its preload not used)"
        # every module of the first load was asked for within one round trip of the first: no waterfall
        assert max(fetched) - min(fetched) < SLOW_3G["latency"], fetched
        assert problems == []
    finally:
        page.context.close()


def test_the_served_login_screen_is_accessible_before_any_script(site, browser: Browser):
    """axe over the first screen while every script is held back (the context lets the test inject axe)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    try:
        page = context.new_page()
        scripts = HeldScripts(page)
        page.goto(f"{site.url}/h5/", wait_until="commit")
        expect(page.get_by_role("button", name="获取验证码")).to_be_disabled()
        assert serious(page) == []
        assert scripts.held and page.evaluate("document.getElementById('login-screen').dataset.ready") is None
    finally:
        context.close()


def test_with_scripts_turned_off_the_page_says_so_instead_of_a_dead_form(site, browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/h5/")
        expect(page.get_by_label("手机号")).to_be_hidden()  # noscript.css: no form whose buttons never come alive
        # the note itself is the <noscript> element's: Playwright's switch turns scripts off but Chromium's own style
        # still hides <noscript>, so its visibility cannot be checked here, only that it is there
        expect(page.locator("main noscript p")).to_contain_text("请开启浏览器的 JavaScript 后使用本页面")
    finally:
        context.close()
