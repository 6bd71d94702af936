"""The console's batch push in Chromium at desktop size: a clerk pushes two documents at once and watches each
one's delivery until the recipient acknowledges it (the table refreshes every 5 s)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.documents.models import ServedDocument as Document
from app.extensions import db
from tests.api.service.support import pdf_bytes, service_world
from tests.browser.conftest import Problems
from tests.browser.journeys import clerk_with_phone, sms_login


def test_a_clerk_pushes_a_batch_and_watches_each_delivery(
    site, client, desktop_page: Page, problems: Problems, tmp_path
):
    world = service_world()
    _clerk, phone = clerk_with_phone(world.court)
    pdf = tmp_path / "文书.pdf"
    pdf.write_bytes(pdf_bytes())
    page = desktop_page
    page.goto(f"{site.url}/console/#/batch?case={world.case.id}")
    sms_login(page, phone)

    expect(page.get_by_role("heading", name="批量推送文书")).to_be_visible()
    page.get_by_role("button", name="再加一份文书").click()
    items = page.locator("fieldset.batch-item")
    expect(items).to_have_count(2)
    for index, (doc_type, title) in enumerate([("summons", "传票"), ("evidence_notice", "举证通知书")]):
        item = items.nth(index)
        expect(item.locator(".b-recipient option")).not_to_have_count(0)
        item.locator(".b-recipient").select_option(str(world.respondent.id))
        item.locator(".b-type").select_option(doc_type)
        item.get_by_label("文书标题").fill(title)
        item.get_by_label("文书文件（PDF 或 OFD）").set_input_files(str(pdf))
    page.get_by_role("button", name="全部推送").click()

    table = page.locator("#batch-results table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").nth(0)).to_contain_text("已送达，未查看")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("已送达，未查看")
    expect(page.locator("#batch-watch")).to_contain_text("2 份未办结")

    db.session.expire_all()
    documents = list(db.session.scalars(select(Document).where(Document.case_id == world.case.id)))
    assert sorted(d.title for d in documents) == ["举证通知书", "传票"]
    summons = next(d for d in documents if d.title == "传票")
    acknowledged = client.post(f"/api/mp/v1/documents/{summons.id}/acknowledge", headers=world.respondent_headers)
    assert acknowledged.status_code == 200, acknowledged.get_json()
    expect(table.locator("tbody tr").nth(0)).to_contain_text("已签收", timeout=12_000)
    expect(page.locator("#batch-watch")).to_contain_text("1 份未办结")
    table.locator("tbody tr").nth(0).get_by_role("link").click()
    expect(page.get_by_role("heading", name="传票")).to_be_visible()
    assert problems == []
