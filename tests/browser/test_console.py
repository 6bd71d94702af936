"""The staff console in Chromium at desktop size: a clerk logs in by SMS, accepts a filing, serves a document."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.cases.models import Case
from app.documents.models import WorkItem
from app.extensions import db
from tests.api.service.support import document, pdf_bytes, push, service_world
from tests.browser.conftest import Problems
from tests.browser.journeys import clerk_with_phone, phone_of, sms_login
from tests.support.factories import make_court, make_user
from tests.support.review import litigation

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_clerk_accepts_a_filing_in_the_review_queue(site, desktop_page: Page, problems: Problems):
    court = make_court()
    filing = litigation(court, title="张三诉李四民间借贷纠纷")
    _clerk, phone = clerk_with_phone(court)
    page = desktop_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)

    expect(page.get_by_role("heading", name="立案审查")).to_be_visible()
    row = page.locator(f'li[data-case="{filing.id}"]')
    expect(row).to_contain_text("张三诉李四民间借贷纠纷")
    row.get_by_role("button", name="立案").click()
    expect(row.get_by_role("status")).to_contain_text("已立案，案号")

    db.session.expire_all()
    accepted = db.session.get(Case, filing.id)
    assert accepted.status == "accepted"
    assert accepted.case_number and accepted.case_number in row.inner_text()
    assert problems == []


def test_a_clerk_asks_for_corrections_and_rejects(site, desktop_page: Page, problems: Problems):
    court = make_court()
    to_correct, to_reject = litigation(court, title="补正的案件"), litigation(court, title="不予受理的案件")
    _clerk, phone = clerk_with_phone(court)
    page = desktop_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)

    row = page.locator(f'li[data-case="{to_correct.id}"]')
    row.get_by_role("button", name="要求补正").click()
    row.get_by_label("需要补正的事项（每行一项）").fill("补充借条原件照片\n补充被告身份信息")
    row.get_by_label("补正期限（天）").fill("10")
    row.get_by_role("button", name="确定").click()
    expect(row.get_by_role("status")).to_have_text("已通知当事人补正")

    row = page.locator(f'li[data-case="{to_reject.id}"]')
    row.get_by_role("button", name="不予受理").click()
    row.get_by_label("不予受理的理由").fill("不属于本院管辖")
    row.get_by_role("button", name="确定").click()
    expect(row.get_by_role("status")).to_have_text("已决定不予受理")

    db.session.expire_all()
    assert db.session.get(Case, to_correct.id).status == "correction_requested"
    assert db.session.get(Case, to_reject.id).status == "rejected"
    assert problems == []


def test_a_clerk_serves_a_document_and_watches_it_acknowledged(
    site, client, desktop_page: Page, problems: Problems, tmp_path
):
    world = service_world()
    _clerk, phone = clerk_with_phone(world.court)
    page = desktop_page
    page.goto(f"{site.url}/console/#/push?case={world.case.id}")
    sms_login(page, phone)

    expect(page.get_by_role("heading", name="推送文书")).to_be_visible()
    page.get_by_label("受送达人").select_option(str(world.respondent.id))
    page.get_by_label("文书类型").select_option("judgment")
    page.get_by_label("文书标题").fill("民事判决书")
    pdf = tmp_path / "判决书.pdf"
    pdf.write_bytes(pdf_bytes())
    page.get_by_label("文书文件（PDF 或 OFD）").set_input_files(str(pdf))
    page.get_by_role("button", name="推送").click()

    expect(page.get_by_role("heading", name="民事判决书")).to_be_visible()
    expect(page.locator("#delivery-status")).to_have_text("已送达，未查看")
    document_id = re.search(r"#/documents/([0-9a-f-]{36})$", page.url).group(1)

    acknowledged = client.post(f"/api/mp/v1/documents/{document_id}/acknowledge", headers=world.respondent_headers)
    assert acknowledged.status_code == 200, acknowledged.get_json()
    expect(page.locator("#delivery-status")).to_have_text("已签收", timeout=12_000)  # the page polls every 5 s
    expect(page.locator("#delivery-events")).to_contain_text("受送达人签收")
    assert problems == []


def test_a_held_document_shows_as_a_work_item_the_clerk_resolves(site, client, desktop_page: Page, problems: Problems):
    world = service_world(respondent_consents=False)
    pushed = push(client, world, doc_type="summons", title="传票")
    assert pushed.get_json()["status"] == "held", pushed.get_json()
    _clerk, phone = clerk_with_phone(world.court)
    page = desktop_page
    page.goto(f"{site.url}/console/#/work-items")
    sms_login(page, phone)

    expect(page.get_by_role("heading", name="送达待办事项")).to_be_visible()
    row = page.locator("#work-items li").first
    expect(row).to_contain_text("文书暂缓送达")
    expect(row).to_contain_text("受送达人未同意电子送达")
    row.get_by_label("最终送达方式").select_option("served_by_post")
    # signed for a minute after the push (Asia/Shanghai, the browser's zone): service counts from then
    pushed_at = document(pushed.get_json()["document_id"]).created_at.astimezone(SHANGHAI)
    signed = (pushed_at + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    row.get_by_label("送达时间（邮寄签收、直接送达或公告发布的时间）").fill(signed.strftime("%Y-%m-%dT%H:%M"))
    row.get_by_label("备注（如邮寄单号、送达地点）").fill("EMS 1234567890")
    row.get_by_role("button", name="办结").click()
    expect(row.get_by_role("status")).to_have_text("已办结：邮寄送达")

    db.session.expire_all()
    item = db.session.scalars(select(WorkItem).where(WorkItem.case_id == world.case.id)).one()
    assert item.status == "resolved" and item.outcome == "served_by_post" and item.note == "EMS 1234567890"
    assert document(pushed.get_json()["document_id"]).served_at == signed  # counted from the signing
    page.get_by_label("显示").select_option("resolved")
    expect(page.locator("#work-items li").first).to_contain_text("已办结：邮寄送达")
    assert problems == []


def test_a_citizen_is_told_the_console_is_for_court_staff(site, desktop_page: Page, problems: Problems):
    page = desktop_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone_of(make_user(phone="13712340001")))
    expect(page.get_by_role("alert")).to_have_text("该手机号没有法院工作人员身份，请联系管理员。")
    expect(page.get_by_role("navigation")).to_be_hidden()
    page.reload()  # and no token was kept
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    assert problems == []
