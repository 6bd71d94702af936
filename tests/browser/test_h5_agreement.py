"""The citizen's mediation in the H5 client at 360 px: file it, see the sessions the mediator books (in Beijing
time), say they will attend, find the video room open or told when it opens, and sign the agreement."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.mediation.models import MediationAgreement
from app.scheduling.models import SessionAttendance
from app.utils import clock
from tests.browser.conftest import Problems
from tests.browser.journeys import file_mediation_in_page, phone_of, sms_login
from tests.browser.test_h5 import _fits_the_screen
from tests.support.factories import login, make_org
from tests.support.scheduling import MP, book, join, mediator, person

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "张三诉李四民间借贷纠纷"
MINUTES = "调解员：今天就借款归还进行调解。双方同意继续协商还款期限。"
TERMS = "一、李四于2026年12月31日前向张三归还借款12000元。\n二、双方就本纠纷再无其他争议。"


def _book(client, case, boss, starts: dt.datetime) -> str:
    booked = book(
        client,
        case,
        boss,
        starts.isoformat(),
        (starts + dt.timedelta(hours=1)).isoformat(),
        mode="video",
        meeting_url="https://meeting.court.example.cn/r/1",
    )
    assert booked.status_code == 201, booked.get_json()
    return booked.get_json()["id"]


def test_schedule_attendance_video_and_signing_the_agreement(site, client, phone_page: Page, problems: Problems):
    org = make_org()
    boss = mediator(org)
    citizen, respondent = person("张三"), person("李四")
    page = phone_page
    page.goto(f"{site.url}/h5/#/cases")
    sms_login(page, phone_of(citizen))
    file_mediation_in_page(page, org.id, title=TITLE, respondent="李四", respondent_phone=phone_of(respondent))

    # The organisation's mediator takes the case (seeded) and the respondent joins; the mediator books two sessions.
    case = db.session.scalars(select(Case).where(Case.filed_by_user_id == citizen.id)).one()
    case.mediator_user_id, case.status = boss.id, "mediator_accepted"
    db.session.commit()
    join(case, respondent)
    soon = (clock.now() + dt.timedelta(minutes=10)).replace(microsecond=0)
    later = soon + dt.timedelta(days=2)
    first, second = _book(client, case, boss, soon), _book(client, case, boss, later)

    page.get_by_role("navigation").get_by_role("link", name="调解日程").click()
    expect(page.get_by_role("heading", name="调解日程")).to_be_visible()
    items = page.locator("#schedule li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(TITLE)
    expect(items.first).to_contain_text(soon.astimezone(SHANGHAI).strftime("%H:%M"))  # Beijing time
    _fits_the_screen(page)

    items.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="调解", exact=True)).to_be_visible()
    page.get_by_role("button", name="我会参加").click()
    expect(page.locator("#attend-state")).to_have_text("您已答复：会参加。")
    db.session.expire_all()
    row = db.session.scalars(
        select(SessionAttendance).where(
            SessionAttendance.user_id == citizen.id, SessionAttendance.session_id == uuid.UUID(first)
        )
    ).one()
    assert row.attending is True
    page.get_by_role("button", name="进入视频调解室").click()
    expect(page.locator("#video-link")).to_have_attribute("href", "https://meeting.court.example.cn/r/1")
    expect(page.locator("#video-state")).to_contain_text("可进入时间")

    # The mediator writes the minutes and asks everyone to sign them; the citizen reads and signs on this page.
    mediator_headers = {**login(boss), "Idempotency-Key": secrets.token_hex(8)}
    written = client.put(f"{MP}/sessions/{first}/minutes", json={"text": MINUTES}, headers=mediator_headers)
    assert written.status_code == 200, written.get_json()
    opened = client.post(
        f"{MP}/sessions/{first}/minutes/signing", headers={**login(boss), "Idempotency-Key": secrets.token_hex(8)}
    )
    assert opened.status_code == 200, opened.get_json()
    page.reload()
    expect(page.get_by_role("region", name="调解笔录全文")).to_contain_text("双方同意继续协商")
    expect(page.get_by_text("待签名 · 第1版")).to_be_visible()
    page.get_by_role("button", name="确认笔录无误并签名").click()
    expect(page.get_by_role("button", name="确认笔录无误并签名")).to_have_count(0)
    expect(page.locator("#minutes-title ~ ul li")).to_have_count(1)
    expect(page.locator("#minutes-title ~ ul li")).to_contain_text("当事人 · 已签名")

    page.goto(f"{site.url}/h5/#/sessions/{second}")
    page.get_by_role("button", name="进入视频调解室").click()
    opens = (later - dt.timedelta(minutes=15)).astimezone(SHANGHAI).strftime("%H:%M")
    expect(page.get_by_role("alert")).to_contain_text("视频室还没有开放")
    expect(page.get_by_role("alert")).to_contain_text(opens)
    expect(page.locator("#video-link")).to_have_count(0)

    # Both agree: the mediator records the settlement, the respondent signs on their phone.
    settled = client.post(
        f"{MP}/cases/{case.id}/outcome",
        json={"result": "settled", "terms": TERMS},
        headers={**login(boss), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert settled.status_code == 200, settled.get_json()
    signed = client.post(
        f"{MP}/cases/{case.id}/agreement/sign",
        json={},
        headers={**login(respondent), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert signed.status_code == 200, signed.get_json()

    page.goto(f"{site.url}/h5/#/cases/{case.id}")
    expect(page.locator("#case-sessions li")).to_have_count(2)  # the case page lists its sessions, past ones too
    page.get_by_role("link", name="调解协议").click()
    expect(page.get_by_role("heading", name="调解协议")).to_be_visible()
    expect(page.locator("#agreement-text")).to_contain_text("归还借款12000元")
    expect(page.locator("#agreement-state")).to_have_text("已有1方签署，共2方。")
    _fits_the_screen(page)
    page.get_by_role("button", name="签署协议").click()
    expect(page.get_by_role("alert")).to_have_text("请先勾选“我已阅读并同意”。")
    page.get_by_label("我已阅读并同意以上协议内容").check()
    page.get_by_role("button", name="签署协议").click()
    expect(page.locator("#agreement-state")).to_contain_text("各方已签署")
    expect(page.locator("#signatures li")).to_have_count(2)
    db.session.expire_all()
    agreement = db.session.scalars(select(MediationAgreement).where(MediationAgreement.case_id == case.id)).one()
    assert agreement.effective_at is not None

    page.goto(f"{site.url}/h5/#/cases/{case.id}/fees")
    expect(page.locator("#no-notices")).to_have_text("这个案件目前没有缴费通知。")
    assert problems == []
