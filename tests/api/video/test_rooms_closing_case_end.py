"""A case that ends closes the rooms of the sessions it cancels as cancelled, read with the case's other rooms in
one statement (issue 18: not one more statement per cancelled session), and a room under way as "case ended"."""

from __future__ import annotations

import datetime as dt

from app.cases import end_hooks, lifecycle
from app.extensions import db
from app.video import background
from tests.api.video.helpers import enter, online_session
from tests.integration.test_statement_budgets import counting
from tests.support.factories import login
from tests.support.scheduling import MP


def _closed(client, online) -> list[str]:
    timeline = client.get(f"{MP}/cases/{online.case.id}/timeline", headers=login(online.mediator)).get_json()
    return [entry["summary"] for entry in timeline if entry["type"] == "video.room_closed"]


def test_the_room_of_a_session_the_ending_cancels_closes_as_cancelled_without_a_lookup_of_its_own(client, fake_trtc):
    online = online_session(client)  # starts in 10 minutes: the ending cancels it
    room = enter(client, online.applicant, online.session_id).get_json()["room_id"]
    with counting() as count:
        lifecycle.transition(online.case, "failed", actor=None, actor_role="system", reason="no agreement")
        db.session.commit()
    background.wait()
    assert fake_trtc.dismissed == [room]
    [summary] = _closed(client, online)
    assert "会议已取消" in summary  # closed as the cancelled session's room, as before
    rooms_read = [" ".join(s.split()) for s in count.statements if "FROM video_rooms" in s]
    assert not [s for s in rooms_read if "WHERE video_rooms.session_id" in s], count  # no lookup per session
    assert len([s for s in rooms_read if "WHERE video_rooms.case_id" in s]) == 1, count
    assert not end_hooks.is_ending(online.case.id)
    assert not db.session.info.get("video.cancelled_with_case", {}).get(online.case.id)


def test_cancelling_a_session_of_a_case_that_is_not_ending_still_closes_its_room(client, fake_trtc, clock):
    online = online_session(client, starts_in=dt.timedelta(minutes=10))
    room = enter(client, online.applicant, online.session_id).get_json()["room_id"]
    cancelled = client.post(
        f"{MP}/sessions/{online.session_id}/cancel",
        json={},
        headers={**login(online.mediator), "Idempotency-Key": "cancel-1"},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    background.wait()
    assert fake_trtc.dismissed == [room]
    assert len(_closed(client, online)) == 1
