"""Response deadlines of served documents, from the holiday calendar, returned with their explanation."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.legal.models import CalendarOverride
from tests.api.service.support import push, relogin, service_world

SH = dt.timezone(dt.timedelta(hours=8))


def _served(client, clock, at: dt.datetime, **changes: object) -> dict:
    clock.set(at)
    world = service_world()
    language = changes.pop("language", "en")  # the explanation is in the reader's language; English asserted here
    body = push(client, world, headers={**world.machine_headers, "Accept-Language": language}, **changes).get_json()
    assert body["status"] == "delivered" and body["served_at"] == at.astimezone(dt.UTC).isoformat()
    return body["deadline"]


def test_answer_period_over_spring_festival_2026(client, clock):
    deadline = _served(client, clock, dt.datetime(2026, 2, 1, 10, 0, tzinfo=SH))
    assert (deadline["raw_end_date"], deadline["last_day"]) == ("2026-02-16", "2026-02-24")
    assert deadline["ends_at"] == "2026-02-25T00:00:00+08:00" and deadline["calendar_covered"] is True
    assert deadline["explanation"] == [
        "Trigger: service of the copy of the complaint (delivered to the electronic service address the recipient "
        "confirmed) at 2026-02-01 10:00 Asia/Shanghai (trigger date 2026-02-01).",
        "Period: answer period, 15 days, counted from 2026-02-02, the day after the trigger.",
        "Raw end date: 2026-02-16 (trigger date + 15 days).",
        "Rolled forward past 2026-02-16 春节 statutory holiday.",
        "Rolled forward past 2026-02-17 春节 statutory holiday.",
        "Rolled forward past 2026-02-18 春节 statutory holiday.",
        "Rolled forward past 2026-02-19 春节 statutory holiday.",
        "Rolled forward past 2026-02-20 春节 holiday, rest day (调休: Friday given in lieu).",
        "Rolled forward past 2026-02-21 春节 holiday, rest day (Saturday).",
        "Rolled forward past 2026-02-22 春节 holiday, rest day (Sunday).",
        "Rolled forward past 2026-02-23 春节 holiday, rest day (调休: Monday given in lieu).",
        "Final day: 2026-02-24 working day (Tuesday); the deadline ends at 24:00 Asia/Shanghai on 2026-02-24 "
        "(2026-02-25T00:00:00+08:00).",
    ]


def test_a_worked_saturday_before_spring_festival_ends_the_period(client, clock):
    deadline = _served(client, clock, dt.datetime(2026, 1, 30, 9, 0, tzinfo=SH))
    assert deadline["last_day"] == "2026-02-14" and deadline["steps"] == []
    assert deadline["explanation"][-1] == (
        "Final day: 2026-02-14 working day (调休: Saturday worked for 春节); the deadline ends at 24:00 "
        "Asia/Shanghai on 2026-02-14 (2026-02-15T00:00:00+08:00)."
    )


def test_answer_period_over_national_day_2026(client, clock):
    deadline = _served(client, clock, dt.datetime(2026, 9, 21, 14, 0, tzinfo=SH))
    assert (deadline["raw_end_date"], deadline["last_day"]) == ("2026-10-06", "2026-10-08")
    assert [step["reason"] for step in deadline["steps"]] == [
        "Rolled forward past 2026-10-06 国庆节 holiday, rest day (调休: Tuesday given in lieu).",
        "Rolled forward past 2026-10-07 国庆节 holiday, rest day (调休: Wednesday given in lieu).",
    ]


def test_ruling_appeal_ending_on_the_worked_saturday_after_national_day(client, clock):
    deadline = _served(client, clock, dt.datetime(2026, 9, 30, 16, 0, tzinfo=SH), doc_type="ruling", title="民事裁定书")
    assert deadline["period"] == {
        "label": "上诉期（裁定）",
        "key": "appeal.ruling",
        "days": 10,
        "counting_starts": "2026-10-01",
    }
    assert deadline["last_day"] == "2026-10-10" and deadline["steps"] == []
    assert "调休: Saturday worked for 国庆节" in deadline["explanation"][-1]


def test_the_trigger_date_is_the_shanghai_date_of_service(client, clock):
    # 16:30 UTC on 21 September is 00:30 on 22 September in Shanghai: counting starts on the 23rd.
    deadline = _served(client, clock, dt.datetime(2026, 9, 21, 16, 30, tzinfo=dt.UTC), response_days=7)
    assert deadline["trigger"]["date"] == "2026-09-22" and deadline["period"]["counting_starts"] == "2026-09-23"
    assert deadline["raw_end_date"] == "2026-09-29" and deadline["last_day"] == "2026-09-29"


def test_a_date_beyond_the_calendar_is_flagged_not_guessed_until_an_override_announces_the_year(client, clock):
    deadline = _served(client, clock, dt.datetime(2026, 12, 20, 9, 0, tzinfo=SH))
    assert deadline["calendar_covered"] is False and deadline["last_day"] is None and deadline["ends_at"] is None
    assert deadline["uncovered_date"] == "2027-01-04"
    assert deadline["explanation"][-1].startswith("Calendar not covered: 2027-01-04 is beyond the holiday calendar")
    db.session.add(CalendarOverride(day=dt.date(2027, 1, 1), is_working_day=False, holiday_name="元旦"))
    db.session.commit()
    clock.advance(minutes=1)
    world = service_world()
    relogin(world)
    again = push(client, world).get_json()["deadline"]
    assert again["calendar_covered"] is True and again["last_day"] == "2027-01-04"
    assert again["last_day_detail"]["source"] == "override"


def test_documents_without_a_period_have_no_deadline(client, clock):
    world = service_world()
    assert push(client, world, doc_type="summons", title="传票").get_json()["deadline"] is None
    custom = push(client, world, doc_type="notice", title="补充举证通知", response_days=5).get_json()["deadline"]
    assert custom["period"]["days"] == 5 and custom["period"]["label"] == "答复期限"


def test_the_explanation_follows_accept_language_and_the_machine_fields_do_not(client, clock):
    at = dt.datetime(2026, 2, 1, 10, 0, tzinfo=SH)
    english = _served(client, clock, at)
    chinese = _served(client, clock, at, language="zh-CN")
    default = _served(client, clock, at, language="")  # no preference: Chinese
    assert chinese["explanation"][0] == (
        "触发事件：起诉状副本送达（到达受送达人确认的电子送达地址）（北京时间 2026-02-01 10:00；触发日 2026-02-01）。"
    )
    assert chinese["explanation"][1] == "期间：答辩期15日，自触发日次日 2026-02-02 起算。"
    assert chinese["explanation"][3] == "期满日顺延，跳过2026-02-16 春节法定节假日。"
    assert chinese["explanation"][-1] == (
        "期满日：2026-02-24 工作日（星期二）；期限于北京时间 2026-02-24 24时届满（2026-02-25T00:00:00+08:00）。"
    )
    assert default["explanation"] == chinese["explanation"] != english["explanation"]
    machine = ("counting", "trigger", "period", "raw_end_date", "steps", "last_day", "ends_at", "calendar_covered")
    assert all(english[key] == chinese[key] for key in machine)
