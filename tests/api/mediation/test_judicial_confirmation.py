"""Judicial confirmation: the 30-day window (calendar rules), the other party's consent, the court's answer."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.cases.models import Case, CaseAgent
from app.extensions import db
from app.mediation.models import ConfirmationConsent
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_outcome import COURT, MP, agreement, dispute, events, respondent_party, status_of
from tests.support.factories import grant, login, machine_headers, make_court, make_org, make_user


def _at(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)


@pytest.fixture
def settled(app, clock):
    """A settled case at a court whose agreement took effect on 2026-11-02 10:00 Shanghai (a Monday)."""
    clock.set(_at(2026, 11, 2, 10, 0))
    court = make_court(code="浙0206")
    filer, respondent = make_user(real_name="张三"), make_user(real_name="李四")
    case = dispute(org=make_org(), court=court, filer=filer, respondent=respondent)
    agreement(case)
    db.session.get(Case, case.id).status = "settled"
    db.session.commit()
    clerk = make_user()
    grant(clerk, role="clerk", court=court)
    return {"case": case, "filer": filer, "respondent": respondent, "court": court, "clerk": clerk}


def _apply(client, s, user="filer"):
    return client.post(f"{MP}/cases/{s['case'].id}/judicial-confirmation", headers=login(s[user]))


@pytest.mark.parametrize(
    ("when", "status"),
    [
        (_at(2026, 11, 2, 10, 1), 201),
        (_at(2026, 12, 2, 23, 59, 59), 201),  # the 30th day (a Wednesday, a working day) until 24:00
        (_at(2026, 12, 3, 0, 0, 0), 409),  # the first moment after it
    ],
)
def test_the_application_window_edges(client, clock, settled, when, status):
    clock.set(when)
    response = _apply(client, settled)
    assert response.status_code == status, response.get_json()
    if status == 409:
        body = response.get_json()
        assert body["reason"] == "judicial_confirmation.out_of_time"
        assert any("2026-12-02" in line for line in body["errors"]["deadline"])
        assert status_of(settled["case"].id) == "settled"
    else:
        assert response.get_json()["window_ends_at"] == "2026-12-02T16:00:00+00:00"


def test_a_window_ending_on_a_weekend_rolls_to_monday(client, clock, settled):
    row = agreement_row(settled)
    row.effective_at = _at(2026, 11, 5, 9, 0)  # + 30 days = Saturday 2026-12-05
    db.session.commit()
    clock.set(_at(2026, 12, 7, 23, 59))  # Monday, the first working day after it
    response = _apply(client, settled)
    assert response.status_code == 201 and response.get_json()["window_ends_at"] == "2026-12-07T16:00:00+00:00"
    assert status_of(settled["case"].id) == "judicial_confirmation_requested"


def test_a_window_the_calendar_does_not_cover_is_not_guessed(client, clock, settled):
    row = agreement_row(settled)
    row.effective_at = _at(2026, 12, 20, 9, 0)  # + 30 days is in 2027: no calendar data in this install
    db.session.commit()
    clock.set(_at(2027, 1, 20, 0, 0))  # after the raw 30th day (2027-01-19): only the calendar can say
    response = _apply(client, settled)
    assert (response.status_code, response.get_json()["reason"]) == (409, "legal.calendar_not_covered")


def test_an_application_before_the_raw_end_is_in_time_whatever_next_year_holds(client, clock, settled):
    # issue 14: holidays only extend the window, so the 30th day itself is always inside it
    row = agreement_row(settled)
    row.effective_at = _at(2026, 12, 20, 9, 0)
    db.session.commit()
    clock.set(_at(2026, 12, 21, 9, 0))
    response = _apply(client, settled)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["window_ends_at"] == "2027-01-19T16:00:00+00:00" and body["window_calendar_covered"] is False


def agreement_row(s):
    from app.mediation.models import MediationAgreement

    return db.session.scalar(select(MediationAgreement).filter_by(case_id=s["case"].id))


def test_apply_consent_accept_confirm(client, clock, settled):
    case = settled["case"]
    applied = _apply(client, settled)
    assert applied.status_code == 201
    body = applied.get_json()
    assert body["status"] == "awaiting_consent" and len(body["consents"]) == 1 and body["consents"][0]["as_applicant"]
    court_url = f"{COURT}/cases/{case.id}/judicial-confirmation"
    early = client.post(f"{court_url}/accept", headers=login(settled["clerk"]))
    assert (early.status_code, early.get_json()["reason"]) == (409, "judicial_confirmation.not_submitted")
    again = client.post(f"{MP}/cases/{case.id}/judicial-confirmation/consent", headers=login(settled["filer"]))
    assert (again.status_code, again.get_json()["reason"]) == (409, "judicial_confirmation.already_consented")
    clock.advance(days=1)
    consented = client.post(f"{MP}/cases/{case.id}/judicial-confirmation/consent", headers=login(settled["respondent"]))
    assert consented.status_code == 200, consented.get_json()
    body = consented.get_json()
    # complete on Tuesday 2026-11-03: three days -> Friday 2026-11-06 until 24:00
    assert body["status"] == "submitted" and body["accept_due_at"] == "2026-11-06T16:00:00+00:00"
    detail = client.get(f"{MP}/cases/{case.id}", headers=login(settled["filer"])).get_json()
    assert detail["deadlines"][0]["type"] == "judicial_confirmation_acceptance"
    accepted = client.post(f"{court_url}/accept", headers=login(settled["clerk"]))
    assert accepted.status_code == 200, accepted.get_json()
    body = accepted.get_json()
    assert body["case_number"] == "(2026)浙0206调确1号" and body["accepted_late"] is False
    assert body["decide_due_at"] == "2026-11-18T16:00:00+00:00"  # 15 days after 2026-11-03
    assert db.session.get(Case, case.id).case_number == "(2026)浙0206调确1号"
    assert client.post(f"{court_url}/accept", headers=login(settled["clerk"])).status_code == 409
    decided = client.post(
        f"{court_url}/decide", json={"confirmed": True, "reason": "协议合法有效"}, headers=login(settled["clerk"])
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "confirmed"
    assert status_of(case.id) == "confirmed"
    assert [e.type for e in events(case.id)][-5:] == [
        "judicial_confirmation.requested",
        "judicial_confirmation.consented",
        "judicial_confirmation.submitted",
        "judicial_confirmation.accepted",
        "judicial_confirmation.confirmed",
    ]
    assert events(case.id)[-1].reason == "协议合法有效"


def _submitted(client, clock, s):
    assert _apply(client, s).status_code == 201
    assert (
        client.post(
            f"{MP}/cases/{s['case'].id}/judicial-confirmation/consent", headers=login(s["respondent"])
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("when", "late"),
    [(_at(2026, 11, 5, 23, 59, 59), False), (_at(2026, 11, 6, 0, 0), True)],  # 3 days from Monday: Thursday 24:00
)
def test_late_acceptance_is_recorded_and_the_court_system_may_reject(client, clock, settled, when, late):
    _submitted(client, clock, settled)
    case = settled["case"]
    clock.set(when)
    headers = machine_headers(settled["court"])
    accepted = client.post(f"{COURT}/cases/{case.id}/judicial-confirmation/accept", headers=headers)
    assert accepted.status_code == 200 and accepted.get_json()["accepted_late"] is late
    decided = client.post(
        f"{COURT}/cases/{case.id}/judicial-confirmation/decide",
        json={"confirmed": False, "reason": "违反法律规定"},
        headers=headers,
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "rejected"
    assert status_of(case.id) == "confirmation_rejected"
    last = events(case.id)[-1]
    assert (last.actor_role, last.reason) == ("court_system", "违反法律规定")


def test_decide_needs_acceptance_first(client, clock, settled):
    _submitted(client, clock, settled)
    response = client.post(
        f"{COURT}/cases/{settled['case'].id}/judicial-confirmation/decide",
        json={"confirmed": True, "reason": "合法"},
        headers=login(settled["clerk"]),
    )
    assert (response.status_code, response.get_json()["reason"]) == (409, "judicial_confirmation.not_accepted")


def test_the_court_side_is_for_the_named_court_only(client, clock, settled):
    _submitted(client, clock, settled)
    case = settled["case"]
    other_clerk = make_user()
    grant(other_clerk, role="clerk", court=make_court())
    url = f"{COURT}/cases/{case.id}/judicial-confirmation/accept"
    assert client.post(url, headers=login(other_clerk)).status_code == 404
    assert client.post(url, headers=machine_headers(make_court())).status_code == 404
    party = client.post(url, headers=login(settled["filer"]))  # not court staff: refused at the route
    assert (party.status_code, party.get_json()["reason"]) == (403, "court.not_staff")


def test_consent_after_the_window_is_refused(client, clock, settled):
    assert _apply(client, settled).status_code == 201
    clock.set(_at(2026, 12, 3, 0, 0))
    response = client.post(
        f"{MP}/cases/{settled['case'].id}/judicial-confirmation/consent", headers=login(settled["respondent"])
    )
    assert (response.status_code, response.get_json()["reason"]) == (409, "judicial_confirmation.out_of_time")
    assert db.session.scalars(select(ConfirmationConsent)).all().__len__() == 1


def test_no_court_no_application(client, settled):
    db.session.get(Case, settled["case"].id).court_id = None
    db.session.commit()
    response = _apply(client, settled)
    assert (response.status_code, response.get_json()["reason"]) == (409, "judicial_confirmation.no_court")


def test_an_agreement_not_yet_in_effect_cannot_be_confirmed(client, settled):
    agreement_row(settled).effective_at = None
    db.session.commit()
    response = _apply(client, settled)
    assert response.status_code == 409 and response.get_json()["errors"]["status"] == ["settled"]


def test_a_lawyer_may_apply_for_their_client_but_strangers_may_not(client, settled):
    case = settled["case"]
    lawyer = make_user()
    grant(lawyer, role="lawyer")
    db.session.add(
        CaseAgent(
            case_id=case.id,
            party_id=respondent_party(case).id,
            lawyer_user_id=lawyer.id,
            authority="special",
            status="active",
        )
    )
    db.session.commit()
    assert client.post(f"{MP}/cases/{case.id}/judicial-confirmation", headers=login(make_user())).status_code == 404
    response = client.post(f"{MP}/cases/{case.id}/judicial-confirmation", headers=login(lawyer))
    assert response.status_code == 201
    consent = response.get_json()["consents"][0]
    assert consent["party_id"] == str(respondent_party(case).id)
    assert (
        client.get(f"{MP}/cases/{case.id}/judicial-confirmation", headers=login(settled["filer"])).get_json()["status"]
        == "awaiting_consent"
    )
