"""A console tab that is logged in never paints the login form when the page loads again (docs/pages.md, "The
first screen on a slow connection"): the login screen is in the HTML for the slow first visit, so the server must
know, before it sends the page, that this browser's console holds a session; the script says so in a cookie.

Before every frame Chromium paints (requestAnimationFrame, installed before any of the page's own scripts), the
page notes whether the login screen is rendered in it.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Problems
from tests.browser.journeys import clerk_with_phone, sms_login
from tests.browser.test_first_screen import HeldScripts
from tests.support.factories import make_court

WATCH = """
window.mcLoginFrames = 0;
window.mcFrames = 0;
const look = () => {
  window.mcFrames += 1;
  const screen = document.getElementById("login-screen");
  if (screen && screen.getClientRects().length) window.mcLoginFrames += 1;
  requestAnimationFrame(look);
};
requestAnimationFrame(look);
"""
QUEUE = "立案审查"


def _hint(page: Page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "mc_console"), None)


def _logged_in(site, page: Page) -> None:
    _clerk, phone = clerk_with_phone(make_court())
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()


def test_a_logged_in_clerk_reloading_never_sees_the_login_form(site, desktop_page: Page, problems: Problems):
    page = desktop_page
    _logged_in(site, page)
    page.add_init_script(WATCH)
    for _ in range(3):
        page.reload()
        expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()
        page.wait_for_timeout(200)  # a few frames more
        frames, login = page.evaluate("[window.mcFrames, window.mcLoginFrames]")
        assert frames > 0 and login == 0, (frames, login)
    assert problems == []


def test_before_any_script_a_logged_in_tab_is_sent_a_loading_line(site, desktop_page: Page, problems: Problems):
    page = desktop_page
    _logged_in(site, page)
    scripts = HeldScripts(page)  # every script held back until released: what the server sent, as painted
    page.reload(wait_until="commit")
    expect(page.locator("#main")).to_contain_text("正在加载")
    assert scripts.held and page.locator("#login-screen").count() == 0  # nothing to flash, even on a slow link
    scripts.release()
    expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()
    assert problems == []


def test_logging_out_brings_the_served_login_form_back(site, desktop_page: Page, problems: Problems):
    page = desktop_page
    _logged_in(site, page)
    assert _hint(page) == "1"
    page.get_by_role("link", name="退出登录").click()
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    assert _hint(page) is None
    page.reload()
    expect(page.get_by_label("手机号")).to_be_visible()
    assert page.evaluate("document.getElementById('login-screen').dataset.ready") == "1"  # the served one, adopted
    assert problems == []


def test_a_stale_hint_without_a_session_still_logs_in(site, desktop_page: Page, problems: Problems):
    """Another tab's hint (a cookie outlives the tab whose sessionStorage held the session): no served form, so the
    script builds the login screen, and the person logs in as usual."""
    page = desktop_page
    _clerk, phone = clerk_with_phone(make_court())
    page.context.add_cookies([{"name": "mc_console", "value": "1", "url": f"{site.url}/console/"}])
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name=QUEUE)).to_be_visible()
    assert problems == []
