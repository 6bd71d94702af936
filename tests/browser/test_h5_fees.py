"""Fees in the H5 client at 360 px: the notice to pay of a filing at a court that asks for prepayment, its state, and
how to pay: inside WeChat's browser the page points to the mini-program (JSAPI); elsewhere it offers WeChat Pay
(test_h5_fees_pay.py pays by QR code and by H5 against the fake WeChat Pay)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from tests.browser.conftest import PHONE, Problems
from tests.browser.journeys import phone_of, sms_login
from tests.browser.test_h5 import _fits_the_screen
from tests.support.cases import filing
from tests.support.factories import login, make_court
from tests.support.review import COURT, MP, staff
from tests.support.scheduling import person

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 12; Phone) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 "
    "MicroMessenger/8.0.47.2560(0x28002F3B) NetType/4G Language/zh_CN"
)


def _notice_case(client, *, openid: str | None = None) -> tuple[object, str, object]:
    court = make_court()
    judge = login(staff(court, "judge"))
    changed = client.put(f"{COURT}/courts/{court.id}/fee-settings", json={"prepay_at_filing": True}, headers=judge)
    assert changed.status_code == 200, changed.get_json()
    citizen = person("张三")
    if openid:  # the same person also uses the mini-program (a WeChat login), where fees are paid
        citizen.wechat_openid = openid
        db.session.commit()
    filed = client.post(
        f"{MP}/cases", json=filing(kind="litigation", court=court), headers={**login(citizen), "Idempotency-Key": "k1"}
    )
    assert filed.status_code == 201, filed.get_json()
    return citizen, filed.get_json()["id"], court


def test_the_fee_notice_and_how_to_pay_in_a_narrow_browser(site, client, phone_page: Page, problems: Problems):
    citizen, case_id, _court = _notice_case(client)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{case_id}")
    sms_login(page, phone_of(citizen))
    page.get_by_role("link", name="诉讼费").click()
    expect(page.get_by_role("heading", name="诉讼费", exact=True)).to_be_visible()
    notice = page.locator("#notices li")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("案件受理费")
    expect(notice).to_contain_text("100.00元")
    expect(notice).to_contain_text("待缴")
    expect(page.locator("#pay-how")).to_contain_text("用手机微信扫一扫付款")  # no mobile user agent: the QR code
    expect(page.locator("#outstanding")).to_have_text("100.00元")
    expect(page.get_by_role("button", name="微信扫码支付")).to_be_visible()
    page.get_by_role("button", name="大字模式").click()
    _fits_the_screen(page)
    assert problems == []


def test_inside_wechat_the_page_points_to_the_mini_program(site, client, browser: Browser, problems: Problems):
    citizen, case_id, _court = _notice_case(client)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", user_agent=WECHAT_UA)
    context.set_default_timeout(15_000)
    page = problems.watch(context.new_page())
    try:
        page.goto(f"{site.url}/h5/#/cases/{case_id}/fees")
        sms_login(page, phone_of(citizen))
        expect(page.locator("#pay-how")).to_contain_text("请在微信中打开“微法院”小程序")
        expect(page.get_by_role("button", name="微信支付")).to_have_count(0)  # JSAPI needs the mini-program
    finally:
        context.close()
    assert problems == []


def test_a_fee_paid_in_the_mini_program_shows_as_paid_with_its_transaction_and_receipt(
    site, client, phone_page: Page, problems: Problems
):
    citizen, case_id, court = _notice_case(client, openid="o_dev_h5_fees")
    headers = login(citizen)
    [notice] = client.get(f"{MP}/cases/{case_id}/fees", headers=headers).get_json()["notices"]
    ordered = client.post(f"{MP}/fee-notices/{notice['id']}/payments", headers={**headers, "Idempotency-Key": "o1"})
    assert ordered.status_code == 201, ordered.get_json()
    paid = client.post(
        f"{MP}/dev/payments/{ordered.get_json()['id']}/pay", headers={**headers, "Idempotency-Key": "p1"}
    )
    assert paid.status_code == 200, paid.get_json()
    receipt = client.put(
        f"{COURT}/payments/{ordered.get_json()['id']}/receipt",
        json={"receipt_no": "ZJ2026-000123"},
        headers={**login(staff(court, "clerk")), "Idempotency-Key": "r1"},
    )
    assert receipt.status_code == 200, receipt.get_json()
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{case_id}/fees")
    sms_login(page, phone_of(citizen))
    expect(page.locator("#notices li")).to_contain_text("已缴")
    expect(page.locator("#pay-how")).to_have_count(0)
    expect(page.locator("#outstanding")).to_have_text("0.00元")
    expect(page.locator("#paid")).to_have_text("100.00元")
    row = page.locator("tbody tr").filter(has_text="缴纳")
    expect(row).to_have_count(1)
    expect(row.locator(".reference")).to_contain_text("微信支付交易单号")
    expect(page.locator("#receipts")).to_contain_text("ZJ2026-000123")
    _fits_the_screen(page)
    assert problems == []
