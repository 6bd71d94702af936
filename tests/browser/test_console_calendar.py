"""The mediator's calendar in the console (Chromium, desktop size): the week's sessions, moving one, cancelling one
and booking another, each through the public API and checked in the database."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from app.extensions import db
from app.scheduling.models import MediationSession
from tests.browser.conftest import Problems
from tests.browser.journeys import sms_login
from tests.support.factories import login
from tests.support.scheduling import MP, local, mediation_case, mediator

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_weekday(weekday: int, weeks: int = 1) -> dt.date:
    """A day of a coming week (0 = Monday), so booking never meets the past."""
    today = dt.datetime.now(SHANGHAI).date()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks)
    return monday + dt.timedelta(days=weekday)


def test_a_mediator_sees_the_week_and_moves_cancels_and_books(site, client, desktop_page: Page, problems: Problems):
    from tests.browser.journeys import phone_of

    person = mediator(name="陈调解")
    case = mediation_case(mediator_user=person, title="张三与李四邻里纠纷")
    other = mediation_case(mediator_user=person, title="王五与赵六物业纠纷")
    tuesday = next_weekday(1).isoformat()
    booked = client.post(
        f"{MP}/cases/{case.id}/sessions",
        json={"starts_at": local(tuesday, "10:00"), "ends_at": local(tuesday, "11:00"), "mode": "phone"},
        headers=login(person),
    )
    assert booked.status_code == 201, booked.get_json()
    session_id = uuid.UUID(booked.get_json()["id"])

    page = desktop_page
    page.goto(f"{site.url}/console/#/calendar?week={tuesday}")
    sms_login(page, phone_of(person))
    expect(page.get_by_role("heading", name="调解日程", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="调解日程")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="立案审查")).to_be_hidden()  # a mediator is not court staff
    card = page.locator(f'li[data-session="{session_id}"]')
    expect(card).to_contain_text("10:00–11:00")
    expect(card).to_contain_text("张三与李四邻里纠纷")
    expect(card).to_contain_text("电话")

    card.get_by_role("button", name="改期：张三与李四邻里纠纷").click()
    card.get_by_label("开始时间").fill("14:00")
    card.get_by_label("结束时间").fill("15:30")
    card.get_by_role("button", name="保存改期").click()
    expect(page.locator("#main").get_by_role("status").filter(has_text="已改期")).to_be_visible()
    card = page.locator(f'li[data-session="{session_id}"]')
    expect(card).to_contain_text("14:00–15:30")
    db.session.expire_all()
    moved = db.session.get(MediationSession, session_id)
    assert moved.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == f"{tuesday} 14:00"

    form = page.locator("#book-form")
    form.get_by_label("案件").select_option(label="王五与赵六物业纠纷")
    form.get_by_label("日期").fill(next_weekday(3).isoformat())
    form.get_by_label("开始时间").fill("09:30")
    form.get_by_label("结束时间").fill("10:30")
    form.get_by_label("方式", exact=True).select_option("in_person")
    form.get_by_label("地点（可不填）").fill("北仑区人民调解委员会第一调解室")
    form.get_by_role("button", name="安排").click()
    expect(page.locator("#main").get_by_role("status").filter(has_text="已安排调解")).to_be_visible()
    expect(page.locator("li.session").filter(has_text="王五与赵六物业纠纷")).to_contain_text("09:30–10:30")
    db.session.expire_all()
    assert db.session.query(MediationSession).filter_by(case_id=other.id, status="scheduled").count() == 1

    card = page.locator(f'li[data-session="{session_id}"]')
    card.get_by_role("button", name="取消：张三与李四邻里纠纷").click()
    card.get_by_label("取消原因（可不填）").fill("当事人申请延期")
    card.get_by_role("button", name="确认取消").click()
    expect(page.locator("#main").get_by_role("status").filter(has_text="已取消调解")).to_be_visible()
    expect(page.locator(f'li[data-session="{session_id}"]')).to_have_count(0)  # the schedule lists live sessions
    db.session.expire_all()
    assert db.session.get(MediationSession, session_id).status == "cancelled"

    page.get_by_role("link", name="下一周").click()
    expect(page.locator("#week-range")).to_contain_text((next_weekday(0, 2)).isoformat())
    assert problems == []
