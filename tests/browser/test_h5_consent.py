"""A recipient the court could not yet serve electronically: consents in the H5 client (or first claims their place
in the case with the code from the court's SMS), and the held document arrives in their inbox."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from app.documents.models import ServedDocument
from app.extensions import db
from tests.api.service.support import push, service_world
from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, sms_login


def _held(client, world) -> uuid.UUID:
    pushed = push(client, world, doc_type="complaint_copy", title="起诉状副本")
    assert pushed.status_code == 201 and pushed.get_json()["status"] == "held", pushed.get_json()
    return uuid.UUID(pushed.get_json()["document_id"])


def _consent(page: Page) -> None:
    form = page.locator("form.consent")
    expect(form.locator(".consent-text")).not_to_be_empty()
    form.get_by_role("button", name="同意电子送达").click()
    expect(form.get_by_role("alert")).to_have_text("请先阅读并勾选同意。")  # the box is not ticked yet
    form.get_by_label("我已阅读并同意以上内容").check()
    form.get_by_role("button", name="同意电子送达").click()


def test_a_joined_party_consents_on_the_case_page_and_the_held_document_arrives(
    site, client, phone_page: Page, problems: Problems
):
    world = service_world(respondent_consents=False)
    document_id = _held(client, world)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    sms_login(page, phone_of(world.respondent_user))

    expect(page.get_by_text("有 1 份文书等待您确认电子送达后查看。")).to_be_visible()
    _consent(page)
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    page.get_by_role("link", name="起诉状副本").click()
    expect(page.get_by_role("heading", name="起诉状副本")).to_be_visible()

    db.session.expire_all()
    document = db.session.get(ServedDocument, document_id)
    assert document is not None and document.status == "opened" and document.delivered_at is not None
    assert problems == []


def test_a_recipient_without_an_account_claims_with_the_sms_code_then_consents(
    site, client, phone_page: Page, problems: Problems
):
    world = service_world(respondent_consents=False, joined=False)
    document_id = _held(client, world)
    phone = "+8613800000009"  # the respondent's phone on the filing: the claim SMS went there
    texts = client.get("/api/mp/v1/dev/sms-outbox", query_string={"phone": phone}).get_json()
    code = next(text["code"] for text in texts if text["template"] == "service_claim")

    page = phone_page
    page.goto(f"{site.url}/h5/#/claim")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name="输入接收码")).to_be_visible()
    page.get_by_label("接收码").fill(code)
    page.get_by_role("button", name="确认").click()

    expect(page.get_by_role("heading", name=world.case.title)).to_be_visible()
    _consent(page)
    expect(page.locator("#inbox")).to_contain_text("起诉状副本")

    db.session.expire_all()
    document = db.session.get(ServedDocument, document_id)
    assert document is not None and document.status == "delivered"
    assert problems == []
