"""Marking a video session held without a list keeps the attendance from the provider (dial-in counted); a list
still decides; a session that is not by video has nobody attended without one."""

from __future__ import annotations

from tests.api.video.helpers import enter, online_session, party_of
from tests.support.factories import login
from tests.support.scheduling import MP


def test_held_without_a_list_keeps_the_dial_in_participant_as_attended(client, fake_trtc, clock):
    online = online_session(client)
    sid = online.session_id
    assert enter(client, online.mediator, sid).status_code == 200
    clock.advance(minutes=20)
    staff = login(online.mediator)
    body = {"user_id": str(online.respondent.id), "status": "dial_in", "reason": "手机网络不佳，改为电话接入"}
    corrected = client.post(
        f"{MP}/sessions/{sid}/video/attendance", json=body, headers={**staff, "Idempotency-Key": "dial-in"}
    )
    assert corrected.status_code == 200, corrected.get_json()

    held = client.post(f"{MP}/sessions/{sid}/held", json={}, headers=staff)
    assert held.status_code == 200, held.get_json()
    assert held.get_json()["status"] == "held"
    by_party = {row["party_id"]: row["attended"] for row in held.get_json()["attendance"] if row["party_id"]}
    assert by_party[str(party_of(online.case, online.respondent).id)] is True
    # the applicant was neither seen by the provider nor corrected: absent, as the provider says
    assert by_party[str(party_of(online.case, online.applicant).id)] is False
    rows = {r["user_id"]: r for r in client.get(f"{MP}/sessions/{sid}/video/attendance", headers=staff).get_json()}
    assert rows[str(online.respondent.id)]["status"] == "dial_in"
