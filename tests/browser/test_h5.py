"""The mobile H5 client in Chromium at 360 px: a recipient logs in by SMS, opens and acknowledges a document."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.documents.models import ServedDocument
from app.extensions import db
from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, served_document, sms_login
from tests.support.factories import make_user


def _fits_the_screen(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the 360 px screen"


def test_sms_login_inbox_open_and_acknowledge_at_360px(site, client, phone_page: Page, problems: Problems):
    world, document_id = served_document(client)
    page = phone_page
    page.goto(f"{site.url}/h5/")
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    sms_login(page, phone_of(world.respondent_user))

    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    _fits_the_screen(page)
    page.get_by_role("link", name="民事判决书").click()

    expect(page.get_by_role("heading", name="民事判决书")).to_be_visible()
    expect(page.get_by_text("判决书", exact=True)).to_be_visible()
    expect(page.locator("#deadline")).to_contain_text("24 时届满")  # served on delivery: the last day, to 24:00
    _fits_the_screen(page)
    page.get_by_role("button", name="下载文书").click()
    link = page.locator("#download-link")
    expect(link).to_be_visible()
    downloaded = page.request.get(link.get_attribute("href"))
    assert downloaded.ok and downloaded.body().startswith(b"%PDF"), downloaded.status

    page.get_by_role("button", name="确认签收").click()
    expect(page.locator("#ack-state")).to_contain_text("您已于")
    expect(page.get_by_role("button", name="确认签收")).to_have_count(0)

    db.session.expire_all()
    document = db.session.get(ServedDocument, document_id)
    assert document.status == "acknowledged"
    assert document.acknowledged_at is not None
    assert problems == []


def test_the_sms_link_opens_the_document_after_login_with_the_phone_it_was_sent_to(
    site, client, phone_page: Page, problems: Problems
):
    world, document_id = served_document(client, title="应诉通知书")
    page = phone_page
    page.goto(f"{site.url}/h5/#/documents/{document_id}")
    expect(page.get_by_text("法院向您送达了一份文书")).to_be_visible()

    stranger = make_user(phone="13955550001")
    db.session.commit()
    sms_login(page, phone_of(stranger))
    expect(page.get_by_role("heading", name="没有找到这份文书")).to_be_visible()  # not theirs: nothing shown

    page.get_by_role("button", name="换一个手机号登录").click()
    sms_login(page, phone_of(world.respondent_user))
    expect(page.get_by_role("heading", name="应诉通知书")).to_be_visible()
    assert page.url.endswith(f"/h5/#/documents/{document_id}")

    db.session.expire_all()
    assert db.session.get(ServedDocument, document_id).first_opened_at is not None
    assert problems == []


def test_the_case_list_and_timeline_and_large_text(site, client, phone_page: Page, problems: Problems):
    world, _document_id = served_document(client)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases")
    sms_login(page, phone_of(world.respondent_user))
    expect(page.get_by_role("heading", name="我的案件")).to_be_visible()
    page.locator("#cases a").first.click()
    expect(page.get_by_role("heading", name="案件进展")).to_be_visible()
    expect(page.locator("#timeline li").first).to_be_visible()

    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    toggle = page.get_by_role("button", name="大字模式")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > size * 1.2
    _fits_the_screen(page)
    page.reload()  # remembered on this device
    expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")

    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()
    assert problems == []
