"""Steps the browser tests share: logging in by SMS through the page, and the people and documents they need."""

from __future__ import annotations

import itertools
import re
import uuid

from playwright.sync_api import Page, expect

from app.extensions import db
from tests.api.service.support import Service, push, service_world
from tests.support.factories import grant, make_user

_serial = itertools.count(1)


def sms_login(page: Page, phone: str) -> None:
    """Type the phone, ask for a code, read it from the development hint (the dev SMS outbox), log in."""
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    hint = page.locator("#dev-code")
    expect(hint).to_be_visible()
    code = re.search(r"\d{6}", hint.inner_text())
    assert code, hint.inner_text()
    page.get_by_label("验证码（6位数字）").fill(code.group(0))
    page.get_by_role("button", name="登录", exact=True).click()


def served_document(client, *, title: str = "民事判决书") -> tuple[Service, uuid.UUID]:
    """A case at a court whose respondent consented to e-service, and a document the court served on them."""
    world = service_world()
    pushed = push(client, world, doc_type="judgment", title=title)
    assert pushed.status_code == 201, pushed.get_json()
    assert pushed.get_json()["status"] == "delivered", pushed.get_json()
    return world, uuid.UUID(pushed.get_json()["document_id"])


def phone_of(user) -> str:
    """The phone a factory user was made with (the worlds above number them)."""
    from app.security import pii

    return pii.decrypt(user.phone_enc, field="phone")


def clerk_with_phone(court) -> tuple[object, str]:
    """A clerk of the court who logs in by SMS."""
    phone = f"1361{next(_serial):07d}"
    clerk = make_user(phone=phone, real_name="王书记员")
    grant(clerk, role="clerk", court=court)
    db.session.commit()
    return clerk, phone


def sms_texts(client, phone: str, template: str) -> list[dict]:
    """The development SMS outbox's messages of one template to a phone, newest first."""
    texts = client.get("/api/mp/v1/dev/sms-outbox", query_string={"phone": phone}).get_json()
    return [text for text in texts if text["template"] == template]


def sms_link(client, phone: str, base: str) -> str:
    """The H5 link of the newest served-document SMS to the phone, on the test's own site (`base`)."""
    texts = sms_texts(client, phone, "document_served")
    assert texts, "no document_served SMS"
    found = re.search(r"https?://\S+?(/h5/#/documents/[0-9a-f-]{36})", texts[0]["text"])
    assert found, texts[0]["text"]
    return f"{base}{found.group(1)}"


def org_admin_with_phone(org) -> tuple[object, str]:
    """An administrator of the mediation organisation (调解组织管理员) who logs in by SMS."""
    phone = f"1362{next(_serial):07d}"
    admin = make_user(phone=phone, real_name="周管理员")
    grant(admin, role="org_admin", org=org)
    db.session.commit()
    return admin, phone


def file_mediation_in_page(page: Page, org_id, *, title: str, respondent: str, respondent_phone: str) -> None:
    """From the H5 case list, a verified citizen files a mediation with one respondent and its claims."""
    page.get_by_role("link", name="申请调解或网上立案").click()
    expect(page.get_by_role("heading", name="申请调解 / 网上立案")).to_be_visible()
    page.get_by_label("案由").select_option("民间借贷纠纷")
    page.get_by_label("调解组织").select_option(str(org_id))
    page.get_by_label("案件名称").fill(title)
    page.get_by_label("事实与理由").fill("2025年3月1日对方借款12000元，约定三个月内归还，至今未还。")
    page.get_by_label("调解请求").fill("1. 归还借款12000元。")
    page.get_by_label("姓名或名称").fill(respondent)
    page.get_by_label("手机号（可不填）").fill(respondent_phone)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
