"""Paying a fee from the H5 fees page (issue 19), against the fake WeChat Pay on 127.0.0.1.

On a desktop (and in any browser without a mobile user agent) the page shows the Native order's QR code with the
amount; the test plays the person scanning it (the fake marks the order paid) and WeChat Pay's notification to
the app's public URL; the page, polling, then shows the fee paid. A closed order offers to pay again. On a phone
browser "微信支付" opens the H5 order's h5_url; the fake "WeChat" page sends the browser back to the fees page
(its redirect_url), where the page waits for the notification.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import DESKTOP, PHONE, Problems, open_page
from tests.browser.journeys import phone_of, sms_login
from tests.browser.test_accessibility import checked_page, serious  # noqa: F401  (fixture)
from tests.browser.test_h5 import _fits_the_screen
from tests.browser.test_h5_fees import _notice_case
from tests.support.factories import login
from tests.support.fake_wechatpay import FakeWeChatPay, fake_wechatpay  # noqa: F401  (fixture)
from tests.support.live_server import LiveServer, live_server
from tests.support.review import MP

NOTIFY = "/api/public/v1/payments/wechatpay/notify"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 12; Phone) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36"
)


@pytest.fixture
def paying_site(
    app: Flask,
    database_url: str,
    tmp_path: Path,
    fake_wechatpay: FakeWeChatPay,  # noqa: F811
) -> Iterator[LiveServer]:
    """The app over HTTP as a live merchant of the fake WeChat Pay (and the test's own app too, for its client)."""
    from app.payments import client as payment_client
    from tests.conftest import make_app

    app.config.update(fake_wechatpay.merchant_config())
    app.extensions.pop(payment_client.EXTENSION_KEY, None)

    def build(url: str) -> Flask:
        return make_app(
            database_url, tmp_path, PUBLIC_BASE_URL=url, STORAGE_BACKEND="local", **fake_wechatpay.merchant_config()
        )

    with live_server(factory=build) as server:
        yield server


def _scanned_and_notified(fake: FakeWeChatPay, site: LiveServer) -> str:
    """The person pays the newest order in WeChat; WeChat Pay tells the app. Its out_trade_no."""
    out_trade_no = fake.order_bodies[-1]["out_trade_no"]
    headers, body = fake.notification("TRANSACTION.SUCCESS", fake.pay(out_trade_no))
    assert fake.deliver(site.url + NOTIFY, headers, body) == 204
    return out_trade_no


def _shows_paid(page: Page) -> None:
    expect(page.locator("#paid-now")).to_be_visible()
    expect(page.locator("#notices li")).to_contain_text("已缴")
    expect(page.locator("#pay-how")).to_have_count(0)
    expect(page.locator("#outstanding")).to_have_text("0.00元")
    expect(page.locator("tbody tr").filter(has_text="缴纳").locator(".reference")).to_contain_text("微信支付交易单号")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-size"])
def test_paying_by_scanning_the_qr_code(
    paying_site,
    client,
    fake_wechatpay: FakeWeChatPay,  # noqa: F811
    browser: Browser,
    problems: Problems,
    viewport,
):
    citizen, case_id, _court = _notice_case(client)  # an SMS login: no WeChat openid is needed for a QR code
    page = open_page(browser, problems, viewport)
    try:
        page.goto(f"{paying_site.url}/h5/#/cases/{case_id}/fees")
        sms_login(page, phone_of(citizen))
        expect(page.locator("#pay-how")).to_contain_text("用手机微信扫一扫付款")
        page.get_by_role("button", name="微信扫码支付").click()
        qr = page.get_by_role("img", name="微信支付二维码，金额100.00元")
        expect(qr).to_be_visible()
        assert (qr.get_attribute("src") or "").startswith("data:image/png;base64,")
        expect(page.locator("#pay-qr")).to_contain_text("支付100.00元")
        expect(page.locator("#pay-waiting")).to_be_visible()
        [sent] = fake_wechatpay.order_bodies
        assert sent["_kind"] == "native" and sent["amount"]["total"] == 10000
        if viewport is PHONE:
            _fits_the_screen(page)
        _scanned_and_notified(fake_wechatpay, paying_site)
        _shows_paid(page)
    finally:
        page.context.close()
    assert problems == []


def test_a_closed_order_can_be_paid_again(
    paying_site,
    client,
    fake_wechatpay: FakeWeChatPay,  # noqa: F811
    desktop_page: Page,
    problems: Problems,
):
    citizen, case_id, _court = _notice_case(client)
    page = desktop_page
    page.goto(f"{paying_site.url}/h5/#/cases/{case_id}/fees")
    sms_login(page, phone_of(citizen))
    page.get_by_role("button", name="微信扫码支付").click()
    expect(page.locator("#pay-qr img")).to_be_visible()
    [notice] = client.get(f"{MP}/cases/{case_id}/fees", headers=login(citizen)).get_json()["notices"]
    cancelled = client.post(
        f"{MP}/payments/{_order_id(client, citizen, notice['id'])}/cancel",
        headers={**login(citizen), "Idempotency-Key": "c1"},
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "closed"
    expect(page.get_by_role("alert")).to_contain_text("这笔支付已关闭，没有扣款")
    page.get_by_role("button", name="重新支付").click()
    expect(page.locator("#pay-qr img")).to_be_visible()
    assert len(fake_wechatpay.order_bodies) == 2
    _scanned_and_notified(fake_wechatpay, paying_site)
    _shows_paid(page)
    assert problems == []


def _order_id(client, citizen, notice_id: str) -> str:
    """The open order of the notice (asking again for the same channel hands it out; nothing new is placed)."""
    again = client.post(
        f"{MP}/fee-notices/{notice_id}/payments", json={"channel": "native"}, headers={**login(citizen)}
    )
    assert again.status_code == 201, again.get_json()
    return again.get_json()["id"]


def test_paying_in_a_phone_browser_through_wechat_and_back(
    paying_site,
    client,
    fake_wechatpay: FakeWeChatPay,  # noqa: F811
    browser: Browser,
    problems: Problems,
):
    citizen, case_id, _court = _notice_case(client)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", user_agent=PHONE_UA)
    context.set_default_timeout(15_000)
    opened: list[str] = []

    def wechat(route: Route) -> None:  # WeChat's payment page: the person pays in WeChat, then comes back
        opened.append(route.request.url)
        [back] = parse_qs(urlsplit(route.request.url).query)["redirect_url"]
        route.fulfill(status=302, headers={"Location": back})

    context.route("https://wx.tenpay.com/**", wechat)
    page = problems.watch(context.new_page())
    try:
        page.goto(f"{paying_site.url}/h5/#/cases/{case_id}/fees")
        sms_login(page, phone_of(citizen))
        expect(page.locator("#pay-how")).to_contain_text("会打开微信完成付款")
        page.get_by_role("button", name="微信支付", exact=True).click()
        page.wait_for_url(f"{paying_site.url}/h5/#/cases/{case_id}/fees")
        expect(page.locator("#notices li")).to_contain_text("正在等待微信支付确认")
        assert len(opened) == 1
        [sent] = fake_wechatpay.order_bodies
        assert sent["_kind"] == "h5" and sent["scene_info"]["payer_client_ip"] == "127.0.0.1"
        assert sent["scene_info"]["h5_info"] == {"type": "Wap"}
        _scanned_and_notified(fake_wechatpay, paying_site)
        _shows_paid(page)
    finally:
        context.close()
    assert problems == []


def test_the_qr_code_and_a_closed_order_have_no_serious_accessibility_violations(
    paying_site,
    client,
    fake_wechatpay,  # noqa: F811
    checked_page: Page,  # noqa: F811
):
    citizen, case_id, _court = _notice_case(client)
    page = checked_page
    page.goto(f"{paying_site.url}/h5/#/cases/{case_id}/fees")
    sms_login(page, phone_of(citizen))
    page.get_by_role("button", name="微信扫码支付").click()
    expect(page.locator("#pay-qr img")).to_be_visible()
    assert serious(page) == [], "the QR code"
    [notice] = client.get(f"{MP}/cases/{case_id}/fees", headers=login(citizen)).get_json()["notices"]
    client.post(
        f"{MP}/payments/{_order_id(client, citizen, notice['id'])}/cancel",
        headers={**login(citizen), "Idempotency-Key": "c1"},
    )
    expect(page.get_by_role("button", name="重新支付")).to_be_visible()
    assert serious(page) == [], "a closed order"
