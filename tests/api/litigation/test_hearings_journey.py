"""A hearing's whole life over HTTP, across the court and the parties' phones.

An accepted case; the clerk adds courtroom 1 and books the hearing there; both parties are summoned through
e-service and see the hearing on their phones; the defendant's lawyer-less absence is foreseen, the hearing is
postponed with a reason and the summons served again; on the day the clerk records who came, and the case is
in trial.
"""

from tests.support.factories import login
from tests.support.hearings import COURT, trial
from tests.support.scheduling import MP, local


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_hearing_from_booking_to_trial(client, clock):
    t = trial()
    clerk, plaintiff, defendant = login(t.clerk), login(t.plaintiff), login(t.defendant)

    # the clerk keeps the court's courtrooms and books the hearing in courtroom 1 (retry-safe)
    room = _ok(client.post(f"{COURT}/courtrooms", json={"name": "1号法庭", "location": "二楼东"}, headers=clerk), 201)
    booking = {
        "starts_at": local("2026-11-10", "09:00"),
        "ends_at": local("2026-11-10", "11:00"),
        "mode": "in_person",
        "courtroom_id": room["id"],
        "judge_user_id": str(t.judge.id),
    }
    keyed = {**clerk, "Idempotency-Key": "hearing-1"}
    hearing = _ok(client.post(f"{COURT}/cases/{t.case.id}/hearings", json=booking, headers=keyed), 201)
    replay = _ok(client.post(f"{COURT}/cases/{t.case.id}/hearings", json=booking, headers=keyed), 201)
    assert replay["id"] == hearing["id"]
    assert hearing["location"] == "1号法庭（二楼东）" and len(hearing["summons"]) == 2
    assert _ok(client.get(f"{MP}/cases/{t.case.id}", headers=plaintiff))["status"] == "hearing_scheduled"

    # the plaintiff finds the summons in the inbox and the hearing in the schedule; both parties see it
    inbox = _ok(client.get(f"{MP}/documents", headers=plaintiff))["items"]
    summons = [item for item in inbox if item["doc_type"] == "summons"]
    assert len(summons) == 1 and "传票" in summons[0]["title"]
    opened = _ok(client.get(f"{MP}/documents/{summons[0]['id']}", headers=plaintiff))
    assert opened["doc_type"] == "summons"
    for headers in (plaintiff, defendant):
        [item] = _ok(client.get(f"{MP}/me/schedule", headers=headers))["items"]
        assert (
            item["id"] == hearing["id"] and item["kind"] == "hearing" and item["starts_at"].startswith("2026-11-10T09")
        )
    _ok(client.post(f"{MP}/sessions/{hearing['id']}/attendance", json={"attending": False}, headers=defendant))

    # the court postpones (延期开庭) with a reason: new time, summons served again, the phones follow
    later = {
        "starts_at": local("2026-11-17", "14:00"),
        "ends_at": local("2026-11-17", "16:00"),
        "reason": "被告因病申请延期开庭，已提交病历",
    }
    moved = _ok(client.post(f"{COURT}/hearings/{hearing['id']}/postpone", json=later, headers=clerk))
    assert moved["courtroom_id"] == room["id"] and moved["postponements"][0]["reason"] == later["reason"]
    assert sorted(s["round"] for s in moved["summons"]) == [1, 1, 2, 2]
    inbox = _ok(client.get(f"{MP}/documents", headers=plaintiff))["items"]
    assert len([item for item in inbox if item["doc_type"] == "summons"]) == 2
    [item] = _ok(client.get(f"{MP}/me/schedule", headers=defendant))["items"]
    assert item["starts_at"] == "2026-11-17T14:00:00+08:00"
    timeline = _ok(client.get(f"{MP}/cases/{t.case.id}/timeline", headers=plaintiff))
    assert "hearing.postponed" in {event["type"] for event in timeline}

    # the judge's calendar for the week shows it in courtroom 1
    week = {"from": local("2026-11-16", "00:00"), "to": local("2026-11-23", "00:00"), "courtroom_id": room["id"]}
    calendar = _ok(client.get(f"{COURT}/hearings", query_string=week, headers=login(t.judge)))
    assert [i["id"] for i in calendar["items"]] == [hearing["id"]]

    # on the day: the clerk records attendance; the case is in trial
    clock.set(clock().replace(year=2026, month=11, day=17, hour=6, minute=10))  # 14:10 Shanghai
    clerk, defendant = login(t.clerk), login(t.defendant)  # a week on: fresh logins
    present = [{"user_id": str(u.id), "present": True} for u in (t.judge, t.clerk, t.plaintiff, t.defendant)]
    held = _ok(client.post(f"{COURT}/hearings/{hearing['id']}/held", json={"attendance": present}, headers=clerk))
    assert held["status"] == "held" and all(row["attended"] for row in held["attendance"])
    assert all(row["consequence"] is None for row in held["attendance"])
    assert _ok(client.get(f"{MP}/cases/{t.case.id}", headers=defendant))["status"] == "in_trial"
