"""An H5 tab that is logged in never paints the login form when the page loads again, as for the console
(docs/pages.md, "The first screen on a slow connection"; tests/browser/test_console_first_screen_logged_in.py):
the script keeps the cookie `mc_h5` while its tab holds a session, and the server then sends the page without it.

The H5's pages other than the inbox that a person opens from a link (the invitation link, the served document's SMS
link, the claim code and consent) still ask for the SMS login first and come back: with or without the cookie.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, served_document, sms_login
from tests.browser.test_console_first_screen_logged_in import WATCH
from tests.browser.test_first_screen import HeldScripts
from tests.support.factories import login
from tests.support.scheduling import MP, mediation_case, mediator, person

INBOX = "我的文书"


def _hint(page: Page) -> str | None:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "mc_h5"), None)


def _logged_in(site, client, page: Page) -> None:
    world, _document_id = served_document(client)
    page.goto(f"{site.url}/h5/")
    sms_login(page, phone_of(world.respondent_user))
    expect(page.get_by_role("heading", name=INBOX)).to_be_visible()


def test_a_logged_in_citizen_reloading_never_sees_the_login_form(site, client, phone_page: Page, problems: Problems):
    page = phone_page
    _logged_in(site, client, page)
    page.add_init_script(WATCH)
    for _ in range(3):
        page.reload()
        expect(page.get_by_role("heading", name=INBOX)).to_be_visible()
        page.wait_for_timeout(200)  # a few frames more
        frames, login = page.evaluate("[window.mcFrames, window.mcLoginFrames]")
        assert frames > 0 and login == 0, (frames, login)
    assert problems == []


def test_before_any_script_a_logged_in_tab_is_sent_a_loading_line(site, client, phone_page: Page, problems: Problems):
    page = phone_page
    _logged_in(site, client, page)
    assert _hint(page) == "1"
    scripts = HeldScripts(page)  # every script held back until released: what the server sent, as painted
    page.reload(wait_until="commit")
    expect(page.locator("#main")).to_contain_text("正在加载")
    assert scripts.held and page.locator("#login-screen").count() == 0  # nothing to flash, even on a slow link
    scripts.release()
    expect(page.get_by_role("heading", name=INBOX)).to_be_visible()
    assert problems == []


def test_logging_out_brings_the_served_login_form_back(site, client, phone_page: Page, problems: Problems):
    page = phone_page
    _logged_in(site, client, page)
    page.get_by_role("link", name="退出登录").click()
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    assert _hint(page) is None
    page.reload()
    expect(page.get_by_label("手机号")).to_be_visible()
    assert page.evaluate("document.getElementById('login-screen').dataset.ready") == "1"  # the served one, adopted
    assert problems == []


def _invitation(client) -> tuple[object, dict]:
    case = mediation_case(mediator_user=(med := mediator()), title="王五诉赵六物业服务合同纠纷")
    issued = client.post(f"{MP}/cases/{case.id}/invitations", json={"role": "respondent"}, headers=login(med))
    assert issued.status_code == 201, issued.get_json()
    return case, issued.get_json()


def test_a_stale_hint_without_a_session_still_logs_in_from_the_invitation_link(
    site, client, phone_page: Page, problems: Problems
):
    """Another tab's hint (a cookie outlives the tab whose sessionStorage held the session): no served form, so the
    script builds the login screen; the invitation link still asks for the login, then shows the invitation."""
    case, issued = _invitation(client)
    page = phone_page
    page.context.add_cookies([{"name": "mc_h5", "value": "1", "url": f"{site.url}/h5/"}])
    page.goto(f"{site.url}/mp/{issued['page']}?scene={issued['scene']}")  # what the plain QR code encodes
    sms_login(page, phone_of(person("钱某")))
    expect(page.get_by_role("heading", name="邀请您加入案件")).to_be_visible()
    assert _hint(page) == "1"
    page.get_by_role("button", name="加入案件").click()
    expect(page.get_by_role("heading", name="王五诉赵六物业服务合同纠纷")).to_be_visible()
    assert page.url.endswith(f"#/cases/{case.id}")
    assert problems == []


def test_links_opened_in_a_logged_in_tab_paint_no_login_form(site, client, phone_page: Page, problems: Problems):
    """The invitation link, the served document's SMS link and the claim code, each loaded anew in a tab that holds
    a session: the page itself, and no frame with the login screen."""
    world, document_id = served_document(client, title="应诉通知书")
    _case, issued = _invitation(client)
    page = phone_page
    page.goto(f"{site.url}/h5/")
    sms_login(page, phone_of(world.respondent_user))
    expect(page.get_by_role("heading", name=INBOX)).to_be_visible()
    page.add_init_script(WATCH)
    links = [
        (f"/mp/{issued['page']}?scene={issued['scene']}", "邀请您加入案件"),
        (f"/h5/#/documents/{document_id}", "应诉通知书"),
        ("/h5/#/claim", "输入接收码"),
    ]
    for link, heading in links:
        page.goto("about:blank")  # a load of its own, not a move within the page
        page.goto(f"{site.url}{link}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        page.wait_for_timeout(200)
        frames, login = page.evaluate("[window.mcFrames, window.mcLoginFrames]")
        assert frames > 0 and login == 0, (link, frames, login)
    assert problems == []
