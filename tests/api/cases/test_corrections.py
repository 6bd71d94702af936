"""The filer's answer to a correction request (补正): what changes, who may answer, and per-field errors."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.cases import corrections as case_corrections
from app.cases.models import Case, CaseAgent, CaseParty
from app.cases.timeline import summary_in
from app.extensions import db
from tests.support.factories import grant, login, machine_headers, make_court, make_user
from tests.support.review import COURT, MP, corrections, events, litigation, principal, staff, status_of


@pytest.fixture
def asked(app, clock):
    """A litigation filing whose court asked for a correction due in 7 days."""
    court = make_court()
    filer = make_user(real_name="张三")
    case = litigation(court, filer)
    clerk = staff(court)
    case_corrections.request_correction(
        case_id=case.id, actor=principal(clerk), items=["请补充借条复印件", "诉讼请求金额不明确"], due_days=7
    )
    return {"court": court, "filer": filer, "case": case, "clerk": clerk}


def answer_url(case) -> str:
    return f"{MP}/cases/{case.id}/corrections"


def test_the_filer_answers_and_the_filing_goes_back_for_review(client, clock, asked):
    case = asked["case"]
    clock.advance(days=2)
    body = {"amount": "15000.00", "claims": "请求判令被告归还借款人民币15000元。", "note": "已更正金额，借条另行上传。"}
    response = client.post(answer_url(case), json=body, headers=login(asked["filer"]))
    assert response.status_code == 200, response.get_json()
    detail = response.get_json()
    assert detail["status"] == "submitted" and detail["open_correction"] is None
    assert detail["amount"] == "15000.00" and detail["claims"] == body["claims"]
    assert detail["title"] == "张三诉李四民间借贷纠纷"  # not sent, not changed
    assert detail["review_due_at"] == (clock.current + dt.timedelta(days=7)).isoformat()  # a fresh review period
    [request] = corrections(case.id)
    assert request.answered_at == clock.current and request.answer["late"] is False
    assert request.answer["changed"] == {"amount": "15000.00", "claims": body["claims"]}
    assert request.answer["previous"]["amount"] == "12000.00" and request.answer["note"] == body["note"]
    timeline = events(case.id)
    assert [e.type for e in timeline] == ["case.filed", "case.correction_requested", "case.correction_answered"]
    answered = timeline[-1]
    assert (answered.actor_role, answered.from_status, answered.to_status) == (
        "party",
        "correction_requested",
        "submitted",
    )
    assert answered.data["changed"] == ["amount", "claims"] and answered.reason == body["note"]
    queue = client.get(f"{COURT}/filings", headers=login(asked["clerk"])).get_json()["items"]
    assert [item["id"] for item in queue] == [str(case.id)] and queue[0]["overdue"] is False


def test_the_amount_can_be_cleared_and_unchanged_fields_are_not_recorded_as_changes(client, clock, asked):
    case = asked["case"]
    body = {"amount": None, "title": "张三诉李四民间借贷纠纷", "note": "本案为确认之诉，不涉及金额。"}
    response = client.post(answer_url(case), json=body, headers=login(asked["filer"]))
    assert response.status_code == 200 and response.get_json()["amount"] is None
    assert corrections(case.id)[0].answer["changed"] == {"amount": None}


def test_a_late_answer_is_taken_and_marked_late(client, clock, asked):
    case = asked["case"]
    clock.advance(days=30)
    response = client.post(answer_url(case), json={"note": "补正材料已上传"}, headers=login(asked["filer"]))
    assert response.status_code == 200
    assert corrections(case.id)[0].answer["late"] is True and events(case.id)[-1].data["late"] is True
    assert "逾期" in events(case.id)[-1].summary  # stored in Chinese; read in the reader's language
    assert "late" in summary_in(events(case.id)[-1], "en")


def test_the_filers_lawyer_may_answer(client, clock, asked):
    case = asked["case"]
    plaintiff = db.session.scalar(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "plaintiff"))
    lawyer = make_user()
    grant(lawyer, role="lawyer")
    db.session.add(
        CaseAgent(
            case_id=case.id, party_id=plaintiff.id, lawyer_user_id=lawyer.id, authority="general", status="active"
        )
    )
    db.session.commit()
    response = client.post(answer_url(case), json={"note": "代理人补正"}, headers=login(lawyer))
    assert response.status_code == 200, response.get_json()
    assert events(case.id)[-1].actor_role == "lawyer"


def test_nobody_else_may_answer(client, clock, asked):
    case = asked["case"]
    defendant_user = make_user(real_name="李四")
    defendant = db.session.scalar(select(CaseParty).where(CaseParty.case_id == case.id, CaseParty.role == "defendant"))
    defendant.user_id = defendant_user.id
    db.session.commit()
    body = {"note": "我来改"}
    for headers, status, reason in (
        (login(defendant_user), 403, "case.not_filer"),
        (login(asked["clerk"]), 403, "case.not_filer"),
        (login(make_user()), 404, "case.not_found"),
        (login(staff(make_court())), 404, "case.not_found"),
        (machine_headers(asked["court"]), 401, "auth.invalid_token"),
    ):
        response = client.post(answer_url(case), json=body, headers=headers)
        assert (response.status_code, response.get_json()["reason"]) == (status, reason)
    assert status_of(case.id) == "correction_requested" and len(events(case.id)) == 2


def test_answering_without_an_open_request_names_the_state(client, clock):
    court = make_court()
    filer = make_user(real_name="张三")
    case = litigation(court, filer)
    response = client.post(answer_url(case), json={"note": "补正"}, headers=login(filer))
    assert response.status_code == 409
    assert (
        response.get_json()["errors"] == {"status": ["submitted"]} and "'submitted'" in response.get_json()["message"]
    )
    assert len(events(case.id)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "外星人纠纷"}, "category"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1000000000000"}, "amount"),
        ({"title": ""}, "title"),
        ({"title": "    "}, "title"),
        ({"claims": "x"}, "claims"),
        ({"facts": "  \n "}, "facts"),
        ({"note": None}, "note"),
        ({"note": "  "}, "note"),
        ({"status": "accepted"}, "status"),
        ({"court_id": "00000000-0000-7000-8000-000000000000"}, "court_id"),
        ({"case_number": "(2026)浙0212民初1号"}, "case_number"),
        ({"parties": []}, "parties"),
    ],
)
def test_each_field_is_checked_and_a_refused_answer_changes_nothing(client, clock, asked, change, field):
    case = asked["case"]
    body = {"note": "已补正", "title": "张三诉李四民间借贷纠纷（更正）", **change}
    if body["note"] is None:
        del body["note"]
    response = client.post(answer_url(case), json=body, headers=login(asked["filer"]))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()["errors"]
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert (stored.status, stored.title, stored.amount) == (
        "correction_requested",
        "张三诉李四民间借贷纠纷",
        Decimal("12000.00"),
    )
    assert corrections(case.id)[0].answered_at is None and len(events(case.id)) == 2
