"""The holiday calendar's two ways in: `flask calendar ...` and /api/admin/v1/calendar (wiring only)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from app.legal.calendar import day_kind, load_overrides
from tests.support.factories import grant, login, make_user

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "calendar-year.example.json"
BODY = json.loads(EXAMPLE.read_text(encoding="utf-8"))


def admin_headers():
    admin = make_user()
    grant(admin, role="platform_admin")
    return login(admin)


def test_cli_imports_the_documented_example_shows_it_and_sets_a_day(app, tmp_path):
    runner = app.test_cli_runner()
    uncovered = runner.invoke(args=["calendar", "show", "2031"])
    assert "2031 is not covered" in uncovered.output

    done = runner.invoke(args=["calendar", "import", str(EXAMPLE)])
    assert done.exit_code == 0, done.output
    assert "2031: 3 holidays, 1 adjusted working days, 0 replaced" in done.output
    shown = runner.invoke(args=["calendar", "show", "2031"]).output
    assert "2031-01-01 元旦 statutory holiday [calendar override]" in shown
    assert "2031-01-04 working day (调休: Saturday worked for 元旦调休) [calendar override]" in shown

    again = runner.invoke(args=["calendar", "import", str(EXAMPLE)])
    assert again.exit_code == 1 and "already has 4 entered days" in again.output
    assert runner.invoke(args=["calendar", "import", "--replace", str(EXAMPLE)]).exit_code == 0

    day = runner.invoke(args=["calendar", "set-day", "2031-06-02", "--holiday", "端午节"])
    assert day.exit_code == 0 and "2031-06-02 端午节 statutory holiday" in day.output
    worked = runner.invoke(args=["calendar", "set-day", "2031-06-07", "--workday", "--name", "端午调休"])
    assert worked.exit_code == 0 and day_kind(dt.date(2031, 6, 7), load_overrides()).kind == "adjusted_workday"
    assert runner.invoke(args=["calendar", "set-day", "2031-06-02"]).exit_code == 2  # neither option
    refused = runner.invoke(args=["calendar", "set-day", "2032-06-02", "--holiday", "端午节"])
    assert refused.exit_code == 1 and "2032 is not entered yet" in refused.output


def test_cli_names_the_bad_days_of_a_file(app, tmp_path):
    bad = tmp_path / "2031.json"
    bad.write_text(json.dumps({"year": 2031, "holidays": [{"day": "2032-01-01", "name": "元旦"}]}), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(bad)])
    assert result.exit_code == 1 and "2032-01-01" in result.output and "Not in 2031" in result.output
    bad.write_text("{not json", encoding="utf-8")
    assert "is not valid JSON" in app.test_cli_runner().invoke(args=["calendar", "import", str(bad)]).output
    assert load_overrides() == {}


def test_http_enter_view_and_correct_a_year(client):
    headers = admin_headers()
    url = "/api/admin/v1/calendar/2031"
    assert client.get(url, headers=headers).get_json()["covered"] is False
    created = client.post(url, json=BODY, headers=headers)
    assert created.status_code == 201
    assert created.get_json() == {"year": 2031, "holidays": 3, "workdays": 1, "replaced": 0}
    view = client.get(url, headers=headers).get_json()
    assert view["covered"] is True and [d["kind"] for d in view["days"]] == ["statutory_holiday"] * 3 + [
        "adjusted_workday"
    ]
    again = client.post(url, json=BODY, headers=headers)
    assert again.status_code == 409 and again.get_json()["reason"] == "calendar.year_already_entered"
    put = client.put(
        "/api/admin/v1/calendar/days/2031-06-02",
        json={"is_working_day": False, "holiday_name": "端午节"},
        headers=headers,
    )
    assert put.status_code == 200 and put.get_json()["kind"] == "statutory_holiday"


def test_http_errors_use_the_one_shape_and_name_the_days(client):
    headers = admin_headers()
    body = {"holidays": [{"day": "2031-01-01", "name": "元旦"}], "workdays": [{"day": "2031-01-06"}]}
    bad = client.post("/api/admin/v1/calendar/2031", json=body, headers=headers)
    assert bad.status_code == 422
    assert set(bad.get_json()) == {"code", "status", "reason", "message", "errors", "request_id"}
    assert list(bad.get_json()["errors"]["workdays"]) == ["2031-01-06"]
    mismatch = client.post("/api/admin/v1/calendar/2031", json={**BODY, "year": 2030}, headers=headers)
    assert mismatch.status_code == 422 and "year" in mismatch.get_json()["errors"]
    day = client.put("/api/admin/v1/calendar/days/2031-02-30", json={"is_working_day": True}, headers=headers)
    assert day.status_code == 422 and "day" in day.get_json()["errors"]
    uncovered = client.put("/api/admin/v1/calendar/days/2032-06-02", json={"is_working_day": True}, headers=headers)
    assert uncovered.status_code == 409 and uncovered.get_json()["errors"] == {
        "2032-06-02": ["2032年的节假日安排尚未录入日历。"]
    }
    english = {**headers, "Accept-Language": "en"}
    uncovered = client.put("/api/admin/v1/calendar/days/2032-06-02", json={"is_working_day": True}, headers=english)
    assert uncovered.get_json()["errors"] == {"2032-06-02": ["2032 is not covered."]}
    assert client.get("/api/admin/v1/calendar/1900", headers=headers).status_code == 422
    assert load_overrides() == {}
