"""Joining a case in the H5 client: by the typed 8-character code, and by the invitation link (the plain QR code)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, sms_login
from tests.support.factories import login
from tests.support.scheduling import MP, mediation_case, mediator, person


def _invitation(client) -> tuple[object, dict]:
    med = mediator()
    case = mediation_case(mediator_user=med, title="王五诉赵六物业服务合同纠纷")
    issued = client.post(f"{MP}/cases/{case.id}/invitations", json={"role": "respondent"}, headers=login(med))
    assert issued.status_code == 201, issued.get_json()
    return case, issued.get_json()


def test_join_by_the_typed_code_at_360px(site, client, phone_page: Page, problems: Problems):
    case, issued = _invitation(client)
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases")
    sms_login(page, phone_of(person("蒋某")))
    page.get_by_role("link", name="有邀请码？加入案件").click()
    page.get_by_label("邀请码（8位）").fill("12")
    page.get_by_role("button", name="加入").click()
    expect(page.get_by_role("alert")).to_have_text("邀请码是8位字母或数字，请检查后重新输入。")
    code = issued["code"]
    page.get_by_label("邀请码（8位）").fill(f"{code[:4].lower()}-{code[4:]}")  # case and hyphens are forgiven
    page.get_by_role("button", name="加入").click()
    expect(page.get_by_role("heading", name="王五诉赵六物业服务合同纠纷")).to_be_visible()
    assert page.url.endswith(f"#/cases/{case.id}")
    assert problems == []


def test_the_invitation_link_opened_in_a_browser_joins_after_login(site, client, phone_page: Page, problems: Problems):
    case, issued = _invitation(client)
    page = phone_page
    page.goto(f"{site.url}/mp/{issued['page']}?scene={issued['scene']}")  # what the plain QR code encodes
    sms_login(page, phone_of(person("钱某")))
    expect(page.get_by_role("heading", name="邀请您加入案件")).to_be_visible()
    expect(page.get_by_text("王五诉赵六物业服务合同纠纷")).to_be_visible()
    page.get_by_role("button", name="加入案件").click()
    expect(page.get_by_role("heading", name="王五诉赵六物业服务合同纠纷")).to_be_visible()
    assert page.url.endswith(f"#/cases/{case.id}")
    assert problems == []
