"""Real-name verification and filing a mediation case in the H5 client, at 360 px: the page's own checks (the API's
rules) and the API's field errors, each next to its field, then the case as the API stored it."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.cases.models import Case, CaseParty
from app.extensions import db
from app.identity.models import User
from app.security.idcard import check_digit
from config import DEFAULT_CASE_CATEGORIES
from miniprogram_api.pages import WEB_ROOT
from tests.api.mediation.helpers_outcome import link
from tests.browser.conftest import Problems
from tests.browser.journeys import phone_of, sms_login
from tests.browser.test_h5 import _fits_the_screen
from tests.support.factories import make_court, make_org
from tests.support.scheduling import person

BODY = "33020219900307123"
ID_NUMBER = BODY + check_digit(BODY)
WRONG_CHECK = BODY + ("0" if check_digit(BODY) != "0" else "1")


def test_the_offered_categories_are_the_defaults():
    offered = json.loads((WEB_ROOT / "h5" / "case-categories.json").read_text(encoding="utf-8"))
    assert offered == DEFAULT_CASE_CATEGORIES


def test_verify_then_file_a_mediation_with_a_respondent_and_claims(site, phone_page: Page, problems: Problems):
    org = make_org(name="北仑区人民调解委员会")
    citizen = person()  # no real name yet
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases")
    sms_login(page, phone_of(citizen))
    expect(page.get_by_role("heading", name="我的案件")).to_be_visible()

    # Filing a case needs the real name first; the filing page says so and links to the verification.
    page.get_by_role("link", name="申请调解或网上立案").click()
    expect(page.get_by_role("heading", name="申请调解 / 网上立案")).to_be_visible()
    page.get_by_label("诉讼", exact=True).check()
    expect(page.locator("#need-verify")).to_be_visible()
    page.locator("#need-verify").get_by_role("link", name="实名认证").click()

    expect(page.get_by_role("heading", name="实名认证")).to_be_visible()
    page.get_by_label("姓名", exact=True).fill("张三")
    page.get_by_label("居民身份证号码").fill(WRONG_CHECK)
    page.get_by_role("button", name="提交认证").click()
    expect(page.locator('[data-field="id_number"] .field-error')).to_have_text(
        "身份证号码的最后一位校验码不对，可能输错了一位。"
    )
    expect(page.get_by_label("居民身份证号码")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert").first).to_contain_text("有内容需要修改")
    # The API's own refusal (the development verifier answers "no match" for this name) lands by the name.
    page.get_by_label("姓名", exact=True).fill("拒绝测试")
    page.get_by_label("居民身份证号码").fill(ID_NUMBER)
    page.get_by_role("button", name="提交认证").click()
    expect(page.locator('[data-field="real_name"] .field-error')).not_to_be_empty()
    expect(page.locator('[data-field="real_name"] .field-error')).to_be_visible()
    page.get_by_label("姓名", exact=True).fill("张三")
    page.get_by_role("button", name="提交认证").click()
    # Back to the filing it came from, now verified.
    expect(page.get_by_role("heading", name="申请调解 / 网上立案")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(User, citizen.id).verification_status == "verified"

    page.get_by_label("诉前调解", exact=True).check()
    expect(page.get_by_label("您的姓名", exact=True)).to_have_value("张三")
    page.get_by_role("button", name="提交").click()
    expect(page.locator('[data-field="title"] .field-error')).to_have_text("请填写2至200个字。")
    expect(page.locator('[data-field="org_id"] .field-error')).to_have_text("请选择受理的组织或法院。")
    expect(page.locator('[data-field="parties.1.name"] .field-error')).to_have_text("此项必填。")

    page.get_by_label("案由").select_option("民间借贷纠纷")
    page.get_by_label("调解组织").select_option(str(org.id))
    page.get_by_label("案件名称").fill("张三诉李四民间借贷纠纷")
    page.get_by_label("事实与理由").fill("2025年3月1日李四向张三借款12000元，约定三个月内归还，至今未还。")
    page.get_by_label("调解请求").fill("1. 归还借款12000元；2. 支付逾期利息。")
    page.get_by_label("标的金额（元，可不填）").fill("12000.5")
    page.get_by_label("姓名或名称").fill("李四")
    page.get_by_label("手机号（可不填）").fill("1380000")
    page.get_by_role("button", name="提交").click()
    expect(page.locator('[data-field="parties.1.phone"] .field-error')).to_have_text("请输入正确的手机号。")
    page.get_by_label("手机号（可不填）").fill("138 0000 0009")
    _fits_the_screen(page)
    # A server-only refusal: the organisation closed while the form was open; its error lands by the choice.
    org.active = False
    db.session.commit()
    page.get_by_role("button", name="提交").click()
    expect(page.locator('[data-field="org_id"] .field-error')).to_be_visible()
    expect(page.get_by_label("调解组织")).to_have_attribute("aria-invalid", "true")
    org.active = True
    db.session.commit()
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("heading", name="张三诉李四民间借贷纠纷")).to_be_visible()
    db.session.expire_all()
    case = db.session.scalars(select(Case).where(Case.filed_by_user_id == citizen.id)).one()
    assert (case.kind, case.org_id, case.category) == ("mediation", org.id, "民间借贷纠纷")
    assert case.claims.startswith("1. 归还借款12000元") and str(case.amount) == "12000.50"
    parties = {p.role: p for p in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))}
    assert parties["applicant"].user_id == citizen.id and parties["applicant"].name == "张三"
    assert parties["respondent"].name == "李四"
    assert problems == []


def test_the_filing_page_in_large_text_fits_360px(site, phone_page: Page, problems: Problems):
    make_org()
    citizen = person("王五")
    page = phone_page
    page.goto(f"{site.url}/h5/#/file")
    sms_login(page, phone_of(citizen))
    expect(page.get_by_role("heading", name="申请调解 / 网上立案")).to_be_visible()
    page.get_by_role("button", name="大字模式").click()
    page.get_by_role("button", name="再添加一位对方当事人").click()
    page.get_by_role("button", name="再添加一位对方当事人").click()
    third = page.get_by_role("group", name="对方当事人3")
    third.get_by_label("姓名或名称").fill("赵六")
    page.get_by_role("group", name="对方当事人2").get_by_role("button", name="删除这位当事人").click()
    # The third becomes the second (its fields now answer to parties.2), keeping what was typed.
    second = page.get_by_role("group", name="对方当事人2")
    expect(second.get_by_label("姓名或名称")).to_have_value("赵六")
    expect(second.locator('[data-field="parties.2.name"]')).to_have_count(1)
    expect(page.get_by_role("group", name="对方当事人3")).to_have_count(0)
    expect(page.get_by_role("group", name="对方当事人1").get_by_role("button", name="删除这位当事人")).to_be_hidden()
    _fits_the_screen(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement !== document.body")
    assert problems == []


def test_a_verified_citizen_files_a_case_with_a_court_and_an_organisation_defendant(
    site, phone_page: Page, problems: Problems
):
    court = make_court(name="宁波市北仑区人民法院")
    link(make_org(), court)
    citizen = person("张三")
    page = phone_page
    page.goto(f"{site.url}/h5/#/file")
    sms_login(page, phone_of(citizen))
    expect(page.get_by_role("heading", name="申请调解 / 网上立案")).to_be_visible()
    page.get_by_label("诉讼", exact=True).check()
    expect(page.locator("#need-verify")).to_be_hidden()
    expect(page.get_by_label("调解组织")).to_be_hidden()
    page.get_by_label("受理法院").select_option(str(court.id))
    page.get_by_label("案由").select_option("买卖合同纠纷")
    page.get_by_label("案件名称").fill("张三诉某贸易公司买卖合同纠纷")
    page.get_by_label("事实与理由").fill("2025年5月张三向某贸易公司购买冰箱一台，货到即坏，对方拒绝退换。")
    page.get_by_label("诉讼请求").fill("1. 判令被告退还货款3000元；2. 本案诉讼费由被告负担。")
    page.get_by_label("类型").select_option("organization")
    expect(page.get_by_label("身份证号码（可不填）")).to_be_hidden()
    page.get_by_label("姓名或名称").fill("某贸易有限公司")
    page.get_by_label("统一社会信用代码（可不填）").fill("91330206MA2AAAAAAI")  # an I is not in the code's alphabet
    page.get_by_role("button", name="提交").click()
    expect(page.locator('[data-field="parties.1.org_code"] .field-error')).to_have_text(
        "统一社会信用代码应为18位数字或大写字母。"
    )
    page.get_by_label("统一社会信用代码（可不填）").fill("91330206MA2AAAAAA1")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="张三诉某贸易公司买卖合同纠纷")).to_be_visible()
    db.session.expire_all()
    case = db.session.scalars(select(Case).where(Case.filed_by_user_id == citizen.id)).one()
    assert (case.kind, case.court_id) == ("litigation", court.id)
    parties = {p.role: p for p in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))}
    assert parties["plaintiff"].user_id == citizen.id
    assert (parties["defendant"].party_type, parties["defendant"].name) == ("organization", "某贸易有限公司")
    assert problems == []
