"""axe-core (vendored from npm, tests/browser/vendor/axe-core) over the main pages: no serious or critical
violation of WCAG 2.1 A/AA, at a phone's width and in large-text mode."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.service.support import service_world
from tests.browser.conftest import PHONE
from tests.browser.journeys import clerk_with_phone, phone_of, served_document, sms_login
from tests.support.review import litigation

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def checked_page(browser: Browser):
    """A 360 px page whose context lets the test inject axe (the pages' own CSP refuses inline scripts)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def serious(page: Page) -> list[str]:
    """The serious and critical violations axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_the_vendored_axe_is_the_published_file():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


def test_h5_pages_have_no_serious_violations(site, client, checked_page: Page):
    world, document_id = served_document(client)
    page = checked_page
    page.goto(f"{site.url}/h5/")
    expect(page.get_by_role("heading", name="短信验证码登录")).to_be_visible()
    assert serious(page) == [], "login"
    sms_login(page, phone_of(world.respondent_user))
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    assert serious(page) == [], "inbox"
    page.goto(f"{site.url}/h5/#/documents/{document_id}")
    expect(page.get_by_role("button", name="确认签收")).to_be_visible()
    assert serious(page) == [], "document"
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    expect(page.get_by_role("heading", name="案件进展")).to_be_visible()
    assert serious(page) == [], "case"
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}/evidence")
    expect(page.get_by_role("heading", name="上传证据")).to_be_visible()
    page.get_by_role("button", name="大字模式").click()
    assert serious(page) == [], "evidence, large text"


def test_console_pages_have_no_serious_violations(site, checked_page: Page):
    world = service_world()
    litigation(world.court, title="张三诉李四民间借贷纠纷")
    _clerk, phone = clerk_with_phone(world.court)
    page = checked_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name="立案审查")).to_be_visible()
    page.get_by_role("button", name="要求补正").first.click()
    assert serious(page) == [], "review queue"
    page.goto(f"{site.url}/console/#/push?case={world.case.id}")
    expect(page.get_by_label("受送达人")).not_to_be_empty()
    assert serious(page) == [], "push"
    page.goto(f"{site.url}/console/#/work-items")
    expect(page.get_by_role("heading", name="送达待办事项")).to_be_visible()
    assert serious(page) == [], "work items"


def test_the_consoles_other_pages_have_no_serious_violations(site, client, checked_page: Page):
    from tests.api.mediation.helpers_outcome import agreement, confirmation, dispute, link
    from tests.browser.test_console_confirmation import judge_with_phone
    from tests.support.factories import login, make_org
    from tests.support.scheduling import mediation_case, mediator

    world = service_world()
    org = make_org()
    link(org, world.court)
    filing = litigation(world.court, title="张三诉李四物业服务合同纠纷")
    clerk, phone = clerk_with_phone(world.court)
    sent = client.post(
        "/api/court/v1/delegations",
        json={"case_id": str(filing.id), "org_id": str(org.id), "due_date": "2099-12-31"},
        headers=login(clerk),
    )
    assert sent.status_code == 201, sent.get_json()
    settled = dispute(org=org, court=world.court, title="王五与赵六民间借贷纠纷")
    confirmation(settled, agreement(settled), status="accepted")
    judge_phone = judge_with_phone(world.court)
    page = checked_page
    page.goto(f"{site.url}/console/#/batch?case={world.case.id}")
    sms_login(page, phone)
    expect(page.locator(".b-recipient option")).not_to_have_count(0)
    assert serious(page) == [] and fits(page), "batch"
    page.goto(f"{site.url}/console/#/delegations?case={filing.id}")
    expect(page.locator("#send-form")).to_be_visible()
    page.get_by_role("button", name="撤回委派").click()
    assert serious(page) == [] and fits(page), "delegations"
    page.goto(f"{site.url}/console/#/stats")
    expect(page.get_by_role("img", name="每月调解成功率")).to_be_visible()
    assert serious(page) == [] and fits(page), "stats"
    page.goto(f"{site.url}/console/#/logout")
    sms_login(page, judge_phone)
    expect(page.get_by_role("heading", name="立案审查")).to_be_visible()
    page.goto(f"{site.url}/console/#/confirmations?status=accepted")
    expect(page.get_by_role("button", name="作出裁定")).to_be_visible()
    assert serious(page) == [] and fits(page), "confirmations"
    person = mediator(name="陈调解")
    mediation_case(mediator_user=person, title="张三与李四邻里纠纷")
    page.goto(f"{site.url}/console/#/logout")
    sms_login(page, phone_of(person))
    expect(page.get_by_role("heading", name="调解日程", exact=True)).to_be_visible()
    expect(page.locator("#book-form")).to_be_visible()
    page.get_by_role("button", name="大字模式").click()
    assert serious(page) == [] and fits(page), "calendar, large text"


def test_the_h5_filing_schedule_agreement_and_fees_pages_have_no_serious_violations(site, client, checked_page: Page):
    import datetime as dt

    from app.utils import clock
    from tests.support.factories import login, make_org
    from tests.support.scheduling import book, join, mediation_case, mediator, person

    make_org()
    boss, citizen, respondent = mediator(), person("张三"), person("李四")
    case = mediation_case(mediator_user=boss, filer=citizen, title="张三诉李四民间借贷纠纷")
    join(case, respondent)
    start = clock.now() + dt.timedelta(days=1)
    booked = book(
        client,
        case,
        boss,
        start.isoformat(),
        (start + dt.timedelta(hours=1)).isoformat(),
        mode="video",
        meeting_url="https://meeting.court.example.cn/r/1",
    )
    assert booked.status_code == 201, booked.get_json()
    page = checked_page
    page.goto(f"{site.url}/h5/#/me")
    sms_login(page, phone_of(person()))  # not verified: the form
    page.get_by_label("居民身份证号码").fill("123")
    page.get_by_role("button", name="提交认证").click()
    expect(page.locator('[data-field="id_number"] .field-error')).to_be_visible()
    assert serious(page) == [], "verification, with an error"
    page.goto(f"{site.url}/h5/#/file")
    page.get_by_role("button", name="提交").click()
    expect(page.locator('[data-field="title"] .field-error')).to_be_visible()
    page.get_by_role("button", name="大字模式").click()
    assert serious(page) == [], "filing, with errors, large text"
    page.get_by_role("button", name="大字模式").click()
    page.goto(f"{site.url}/h5/#/logout")
    sms_login(page, phone_of(citizen))
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    page.goto(f"{site.url}/h5/#/schedule")
    expect(page.locator("#schedule li")).to_have_count(1)
    assert serious(page) == [], "schedule"
    page.goto(f"{site.url}/h5/#/sessions/{booked.get_json()['id']}")
    page.get_by_role("button", name="进入视频调解室").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert serious(page) == [], "session, video too early"
    settled = client.post(
        f"/api/mp/v1/cases/{case.id}/outcome",
        json={"result": "settled", "terms": "一、李四归还借款。"},
        headers={**login(boss), "Idempotency-Key": "a11y-outcome"},
    )
    assert settled.status_code == 200, settled.get_json()
    page.goto(f"{site.url}/h5/#/cases/{case.id}/agreement")
    expect(page.get_by_role("button", name="签署协议")).to_be_visible()
    assert serious(page) == [], "agreement"
    page.goto(f"{site.url}/h5/#/cases/{case.id}/fees")
    expect(page.locator("#no-notices")).to_be_visible()
    assert serious(page) == [], "fees"
    page.goto(f"{site.url}/h5/#/cases/{case.id}")
    expect(page.locator("#case-sessions li")).to_have_count(1)
    assert serious(page) == [], "case with its sessions"


def fits(page: Page) -> bool:
    """Nothing wider than the 360 px screen (the console is for desktops, but a phone must not break it)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_the_org_admins_pages_have_no_serious_violations(site, checked_page: Page):
    from tests.api.mediation.helpers_outcome import dispute, mediator
    from tests.browser.journeys import org_admin_with_phone
    from tests.support.factories import make_org

    org = make_org()
    dispute(org=org, title="张三与李四民间借贷纠纷")
    mediator(org, name="陈调解")
    _admin, phone = org_admin_with_phone(org)
    page = checked_page
    page.goto(f"{site.url}/console/")
    sms_login(page, phone)
    expect(page.get_by_role("heading", name="待分配调解员的案件")).to_be_visible()
    page.get_by_role("button", name="分配调解员：张三与李四民间借贷纠纷").click()
    expect(page.get_by_label("调解员", exact=True)).to_be_focused()
    assert serious(page) == [] and fits(page), "org queue, assigning"
    page.goto(f"{site.url}/console/#/org-mediators")
    expect(page.get_by_role("heading", name="本组织的调解员")).to_be_visible()
    assert serious(page) == [] and fits(page), "org mediators"
    page.goto(f"{site.url}/console/#/org-stats")
    expect(page.get_by_role("img", name="每月纠纷数与调解结案数")).to_be_visible()
    page.get_by_role("button", name="大字模式").click()
    assert serious(page) == [] and fits(page), "org figures, large text"


def test_the_h5_consent_scope_and_the_video_room_have_no_serious_violations(site, client, checked_page: Page):
    from tests.api.video.helpers import online_session

    world = service_world(respondent_consents=False)
    page = checked_page
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    sms_login(page, phone_of(world.respondent_user))
    form = page.locator("form.consent")
    form.get_by_label("我的全部案件（包括以后的案件）").check()
    expect(form.get_by_text("包括以后的新案件")).to_be_visible()
    assert serious(page) == [], "consent, all cases chosen"
    form.get_by_label("我已阅读并同意以上内容").check()
    form.get_by_role("button", name="同意电子送达").click()
    # The consent is given (the page shows how to withdraw it) before the page is opened afresh: going there at
    # once could cancel the POST still on its way.
    expect(page.get_by_role("button", name="撤回全部案件的电子送达同意")).to_be_visible()
    page.goto(f"{site.url}/h5/#/cases/{world.case.id}")
    page.get_by_role("button", name="撤回全部案件的电子送达同意").click()
    expect(page.get_by_role("button", name="确认撤回")).to_be_visible()
    assert serious(page) == [], "case, withdrawing the consent for all cases"

    # The TRTC room (a made-up app: nothing is contacted); this Chromium has no camera, so the room says so.
    site.app.config.update(VIDEO_PROVIDER="trtc", TRTC_SDK_APP_ID=1400000001, TRTC_SECRET_KEY="0" * 64)
    online = online_session(client)
    page.goto(f"{site.url}/h5/#/logout")
    sms_login(page, phone_of(online.applicant))
    expect(page.get_by_role("heading", name="我的文书")).to_be_visible()
    page.goto(f"{site.url}/h5/room.html?session={online.session_id}")
    expect(page.locator("#room-state").get_by_role("alert")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="离开视频室")).to_be_visible()
    assert serious(page) == [], "video room, no camera"
    page.get_by_role("button", name="大字模式").click()
    assert serious(page) == [], "video room, large text"
