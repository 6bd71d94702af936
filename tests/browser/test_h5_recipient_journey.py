"""One recipient's whole journey at 360 px: the court serves a document on a party who has no account and has not
consented to e-service; the held document waits; the party claims their place with the code from the court's SMS,
consents, then opens the link of the served-document SMS (read from the development SMS outbox), proves who they
are by SMS login, reads and downloads the document and acknowledges it; each step checked in the database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.documents.models import ServedDocument
from app.extensions import db
from tests.api.service.support import push, service_world
from tests.browser.conftest import Problems
from tests.browser.journeys import sms_link, sms_login, sms_texts
from tests.support.live_server import LiveServer, live_server

PHONE = "+8613800000009"  # the respondent's phone on the filing: the court's texts go there


@pytest.fixture
def site(app: Flask, database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The browser tests' site, letting one phone ask for a second login code within the minute (the journey logs in
    twice: to claim and consent, then again from the SMS link)."""
    from tests.conftest import make_app

    def build(url: str) -> Flask:
        return make_app(
            database_url, tmp_path, PUBLIC_BASE_URL=url, STORAGE_BACKEND="local", SMS_SEND_LIMIT_PER_PHONE="5/minute"
        )

    with live_server(factory=build) as server:
        yield server


def _status(document_id: uuid.UUID) -> ServedDocument:
    db.session.expire_all()
    document = db.session.get(ServedDocument, document_id)
    assert document is not None
    return document


def test_a_recipient_claims_consents_opens_the_sms_link_reads_and_acknowledges(
    site, client, phone_page: Page, problems: Problems
):
    world = service_world(respondent_consents=False, joined=False)
    pushed = push(client, world, doc_type="judgment", title="民事判决书")
    assert pushed.status_code == 201 and pushed.get_json()["status"] == "held", pushed.get_json()
    document_id = uuid.UUID(pushed.get_json()["document_id"])
    assert sms_texts(client, PHONE, "document_served") == []  # held: no link yet
    code = sms_texts(client, PHONE, "service_claim")[0]["code"]

    page = phone_page
    page.goto(f"{site.url}/h5/#/claim")
    sms_login(page, PHONE)
    expect(page.get_by_role("heading", name="输入接收码")).to_be_visible()
    page.get_by_label("接收码").fill(code)
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", name=world.case.title)).to_be_visible()

    form = page.locator("form.consent")
    expect(form.locator(".consent-text")).not_to_be_empty()
    form.get_by_label("我已阅读并同意以上内容").check()
    form.get_by_role("button", name="同意电子送达").click()
    expect(page.locator("#inbox")).to_contain_text("民事判决书")
    assert _status(document_id).status == "delivered"

    # The court's SMS now carries the document's link; the recipient opens it later, logged out.
    link = sms_link(client, PHONE, site.url)
    assert link.endswith(f"/h5/#/documents/{document_id}")
    page.goto(f"{site.url}/h5/#/logout")
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    page.goto(link)
    expect(page.get_by_text("法院向您送达了一份文书")).to_be_visible()
    sms_login(page, PHONE)
    expect(page.get_by_role("heading", name="民事判决书")).to_be_visible()
    assert page.url.endswith(f"/h5/#/documents/{document_id}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the 360 px screen"
    assert _status(document_id).first_opened_at is not None

    page.get_by_role("button", name="下载文书").click()
    download = page.locator("#download-link")
    expect(download).to_be_visible()
    fetched = page.request.get(download.get_attribute("href"))
    assert fetched.ok and fetched.body().startswith(b"%PDF"), fetched.status

    page.get_by_role("button", name="确认签收").click()
    expect(page.locator("#ack-state")).to_contain_text("您已于")
    expect(page.get_by_role("button", name="确认签收")).to_have_count(0)
    document = _status(document_id)
    assert document.status == "acknowledged" and document.acknowledged_at is not None
    assert problems == []
