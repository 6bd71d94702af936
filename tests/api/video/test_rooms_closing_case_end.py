"""A case that ends closes the rooms of the sessions it cancels as cancelled, read with the case's other rooms in
one statement (issue 18: not one more statement per cancelled session), and a room under way as "case ended"."""

from __future__ import annotations

import datetime as dt
import uuid

from app.cases import end_hooks, lifecycle
from app.extensions import db
from app.scheduling import MediationSession
from app.utils import clock as clock_module
from app.video import background
from tests.api.video.helpers import enter, online_session
from tests.integration.test_statement_budgets import counting
from tests.support.factories import login
from tests.support.scheduling import MP, book


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


def test_an_ending_reads_the_rooms_once_with_the_cancellation_and_closes_the_cancelled_sessions_room_first(
    client, fake_trtc, clock, database_url
):
    """A session under way (its room closed as "case ended") and one ahead (cancelled: its room closed first, as
    cancelled). On PostgreSQL the sessions' cancellation, the reminders' and the rooms' read are one statement
    (app/scheduling/ended_case.py); SQLite sends the three."""
    online = online_session(client)  # 10 minutes from now, for an hour
    start = clock_module.now() + dt.timedelta(minutes=75)
    ahead = book(
        client,
        online.case,
        online.mediator,
        start.isoformat(),
        (start + dt.timedelta(hours=1)).isoformat(),
        mode="video",
        meeting_url="https://meeting.court.example.cn/r/2",
    )
    assert ahead.status_code == 201, ahead.get_json()
    under_way_room = enter(client, online.applicant, online.session_id).get_json()["room_id"]
    clock.advance(minutes=65)  # the first is under way, the second starts in 10 minutes
    ahead_room = enter(client, online.applicant, ahead.get_json()["id"]).get_json()["room_id"]
    held = db.session.get(MediationSession, uuid.UUID(ahead.get_json()["id"]))  # in the session before the ending
    with counting() as count:
        lifecycle.transition(online.case, "failed", actor=None, actor_role="system", reason="no agreement")
        assert held is not None and held.status == "cancelled"  # brought up to date by the cancellation's rows
        db.session.commit()
    background.wait()
    assert sorted(fake_trtc.dismissed) == sorted([ahead_room, under_way_room])  # dismissed by jobs, in any order
    cancelled, ended = _closed(client, online)  # in the order closed
    assert "会议已取消" in cancelled and "会议已取消" not in ended
    flat = [" ".join(s.split()) for s in count.statements]
    combined = [s for s in flat if "UPDATE mediation_sessions" in s or "UPDATE session_reminders" in s]
    rooms_read = [s for s in flat if "FROM video_rooms" in s and "video_rooms.room_id = " not in s]  # not the dismissal
    if database_url.startswith("postgresql"):
        assert len(combined) == 1 and rooms_read == combined, count
        assert "UPDATE mediation_sessions" in combined[0] and "UPDATE session_reminders" in combined[0]
    else:
        assert len(combined) == 2 and len(rooms_read) == 1 and rooms_read[0] not in combined, count
    assert end_hooks.read_value(online.case.id, "video.rooms") is end_hooks.NOT_READ  # not kept past the hooks
    assert not db.session.info.get("cases.ending_reads", {}).get(online.case.id)
