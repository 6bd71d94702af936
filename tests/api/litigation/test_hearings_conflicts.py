"""One schedule across mediation and litigation: a lawyer, a party or a judge is never double-booked; courtrooms;
hearing reminders."""

from sqlalchemy import select

from app.extensions import db
from app.notifications import Notification
from app.scheduling import reminders
from tests.support.factories import grant, login, machine_headers, make_court
from tests.support.hearings import COURT, book, trial
from tests.support.scheduling import add_lawyer, lawyer, local, mediation_case, mediator, person
from tests.support.scheduling import book as book_session

DAY = "2026-11-10"


def test_a_lawyer_in_a_mediation_session_cannot_be_summoned_to_a_hearing_at_the_same_time(client, clock):
    counsel = lawyer("冯律师")
    med = mediator()
    dispute = mediation_case(mediator_user=med)
    add_lawyer(dispute, counsel)
    assert book_session(client, dispute, med, local(DAY, "09:00"), local(DAY, "10:00")).status_code == 201
    t = trial()
    add_lawyer(t.case, counsel, role="defendant")
    response = book(client, t, local(DAY, "09:30"), local(DAY, "11:00"))
    assert response.status_code == 409
    assert response.get_json()["reason"] == "mediation.slot_conflict"
    assert response.get_json()["errors"]["double_booked"] == [
        {"role": "lawyer", "party_role": "defendant", "name": "冯**", "reasons": ["session"]}
    ]


def test_a_mediator_cannot_book_a_party_who_is_due_in_court(client, clock):
    t = trial()
    assert book(client, t, local(DAY, "14:00"), local(DAY, "16:00")).status_code == 201
    med = mediator()
    dispute = mediation_case(mediator_user=med, filer=t.defendant)  # the defendant's other dispute
    response = book_session(client, dispute, med, local(DAY, "15:00"), local(DAY, "15:30"))
    assert response.status_code == 409
    assert response.get_json()["errors"]["double_booked"][0]["role"] == "party"


def test_a_judges_declared_unavailability_blocks_a_hearing(client, clock):
    t = trial()
    away = {"from": local(DAY, "08:00"), "to": local(DAY, "18:00"), "reason": "培训"}
    assert client.post("/api/mp/v1/me/unavailability", json=away, headers=login(t.judge)).status_code == 201
    response = book(client, t, local(DAY, "09:00"), local(DAY, "10:00"))
    assert response.status_code == 409
    assert response.get_json()["errors"]["double_booked"][0] == {
        "role": "judge",
        "party_role": None,
        "name": "孙**",
        "reasons": ["unavailable"],
    }


def test_a_hearing_reminder_says_hearing(client, clock):
    t = trial()
    book(client, t, local(DAY, "09:00"), local(DAY, "10:00"))
    clock.set(clock().replace(year=2026, month=11, day=9, hour=1, minute=30))  # 09:30 the day before
    assert reminders.send_due() == 4
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.kind.like("%_reminder"))))
    assert kinds == {"hearing_reminder"}  # (the summons made document_served notifications besides)


def test_courtrooms_are_kept_by_the_courts_clerks_and_system(client, clock):
    court = make_court()
    clerk, judge = person("钱书记"), person("孙法官")
    grant(clerk, role="clerk", court=court)
    grant(judge, role="judge", court=court)
    created = client.post(f"{COURT}/courtrooms", json={"name": "第三法庭", "location": "一楼"}, headers=login(clerk))
    assert created.status_code == 201, created.get_json()
    room = created.get_json()
    assert room["court_id"] == str(court.id) and room["active"] is True
    again = client.post(f"{COURT}/courtrooms", json={"name": "第三法庭"}, headers=machine_headers(court))
    assert again.status_code == 409 and again.get_json()["reason"] == "courtroom.name_taken"
    refused = client.post(f"{COURT}/courtrooms", json={"name": "第四法庭"}, headers=login(judge))
    assert refused.status_code == 403 and refused.get_json()["reason"] == "courtroom.forbidden"
    listed = client.get(f"{COURT}/courtrooms", headers=login(judge)).get_json()
    assert [r["name"] for r in listed] == ["第三法庭"]
    outsider = person()
    grant(outsider, role="clerk", court=make_court())
    assert (
        client.patch(f"{COURT}/courtrooms/{room['id']}", json={"active": False}, headers=login(outsider)).status_code
        == 404
    )
    closed = client.patch(f"{COURT}/courtrooms/{room['id']}", json={"active": False}, headers=login(clerk))
    assert closed.status_code == 200 and closed.get_json()["active"] is False


def test_a_courtroom_out_of_use_takes_no_hearing(client, clock):
    t = trial()
    client.patch(f"{COURT}/courtrooms/{t.room.id}", json={"active": False}, headers=login(t.clerk))
    response = book(client, t, local(DAY, "09:00"), local(DAY, "10:00"))
    assert response.status_code == 422 and "courtroom_id" in response.get_json()["errors"]
