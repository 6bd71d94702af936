"""Closing rooms: a session cancelled or moved, or its case ended, closes its room; TRTC is told to dismiss it
(a TC3-HMAC-SHA256 signed DismissRoomByStrRoomId, checked by the fake TRTC), retried while TRTC is down; tickets
stop working (entry refused; an old UserSig used in the closed room dismisses it again). Also: the recording
callback answers at once while the copy runs after it (TRTC allows 5 seconds)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time

import pytest

from app.cases import lifecycle
from app.extensions import db
from app.utils import clock as clock_module
from app.video import background, trtc_api
from app.video.models import VideoRecording
from tests.api.video.helpers import CALLBACK, enter, online_session
from tests.support.factories import login
from tests.support.live_server import live_server
from tests.support.scheduling import MP


def _timeline(client, online) -> list[dict]:
    return client.get(f"{MP}/cases/{online.case.id}/timeline", headers=login(online.mediator)).get_json()


def _write(client, method: str, url: str, user, **kwargs):
    headers = {**login(user), "Idempotency-Key": secrets.token_hex(8)}
    return client.open(url, method=method, headers=headers, **kwargs)


def test_cancelling_dismisses_the_room_and_old_tickets_stop_working(app, client, fake_trtc):
    online = online_session(client)
    ticket = enter(client, online.applicant, online.session_id).get_json()
    room = ticket["room_id"]
    cancelled = _write(client, "POST", f"{MP}/sessions/{online.session_id}/cancel", online.mediator, json={})
    assert cancelled.status_code == 200, cancelled.get_json()
    background.wait()
    assert fake_trtc.dismissed == [room]
    [call] = fake_trtc.api_calls
    assert call["signature_ok"] and call["action"] == "DismissRoomByStrRoomId"
    assert call["params"] == {"SdkAppId": fake_trtc.sdk_app_id, "RoomId": room}
    closed = [e for e in _timeline(client, online) if e["type"] == "video.room_closed"]
    assert len(closed) == 1 and "会议已取消" in closed[0]["summary"]
    refused = enter(client, online.applicant, online.session_id)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "video.session_closed"
    # the UserSig handed out before still opens TRTC's door: the "entered" callback puts them out again
    with live_server(app=app) as server:
        body = fake_trtc.callback(1, 103, room, user_id=ticket["room_user_id"])
        assert fake_trtc.deliver(server.url + CALLBACK, body) == (200, {"code": 0, "duplicate": False})
    background.wait()
    assert fake_trtc.dismissed == [room, room]


def test_moving_a_session_closes_the_room_of_the_old_time(client, fake_trtc):
    online = online_session(client)
    room = enter(client, online.applicant, online.session_id).get_json()["room_id"]
    later = clock_module.now() + dt.timedelta(days=2)
    moved = _write(
        client,
        "PATCH",
        f"{MP}/sessions/{online.session_id}",
        online.mediator,
        json={"starts_at": later.isoformat(), "ends_at": (later + dt.timedelta(hours=1)).isoformat()},
    )
    assert moved.status_code == 200, moved.get_json()
    background.wait()
    assert fake_trtc.dismissed == [room]
    too_early = enter(client, online.applicant, online.session_id)
    assert too_early.status_code == 409 and too_early.get_json()["reason"] == "video.too_early"


def test_a_case_that_ends_closes_the_room_of_a_session_under_way(client, fake_trtc, clock):
    online = online_session(client)
    clock.advance(minutes=15)  # the session is under way: ending the case does not cancel it, the room closes
    room = enter(client, online.applicant, online.session_id).get_json()["room_id"]
    lifecycle.transition(online.case, "failed", actor=None, actor_role="system", reason="no agreement")
    db.session.commit()
    background.wait()
    assert fake_trtc.dismissed == [room]
    refused = enter(client, online.respondent, online.session_id)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "video.case_ended"


def test_trtc_down_is_retried_until_it_answers(client, fake_trtc, monkeypatch):
    monkeypatch.setattr(background, "RETRY_DELAYS", (0.05, 0.05))
    fake_trtc.api_failures = 2
    online = online_session(client)
    room = enter(client, online.mediator, online.session_id).get_json()["room_id"]
    assert (
        _write(client, "POST", f"{MP}/sessions/{online.session_id}/cancel", online.mediator, json={}).status_code == 200
    )
    background.wait()
    assert fake_trtc.dismissed == [room] and len(fake_trtc.api_calls) == 3


def test_a_wrong_api_key_is_refused_by_trtc(fake_trtc):
    creds = trtc_api.Credentials(fake_trtc.api_secret_id, "not-the-key", fake_trtc.url)
    with pytest.raises(trtc_api.TrtcApiError) as refused:
        trtc_api.dismiss_room(creds, sdk_app_id=fake_trtc.sdk_app_id, room_id="mc_x", timestamp=int(time.time()))
    assert refused.value.code == "AuthFailure.SignatureFailure" and fake_trtc.dismissed == []


def test_the_recording_callback_answers_before_a_slow_download(app, client, fake_trtc):
    fake_trtc.slow_seconds = 3.0
    online = online_session(client)
    room = enter(client, online.applicant, online.session_id).get_json()["room_id"]
    data = b"\x00mp4" * 50_000
    fake_trtc.add_recording("slow", data)
    body = fake_trtc.callback(3, 311, room, payload=fake_trtc.recording_payload("slow"), task_id="t")
    with live_server(app=app) as server:
        started = time.monotonic()
        assert fake_trtc.deliver(server.url + CALLBACK, body)[0] == 200
        answered = time.monotonic() - started
    assert answered < 2.0, f"the callback waited {answered:.1f}s for the download"
    background.wait()
    db.session.expire_all()
    row = db.session.query(VideoRecording).one()
    assert row.status == "stored" and row.size_bytes == len(data)


def test_the_string_to_sign_matches_tencents_published_example():
    """Signature v3's worked example (English docs, CVM DescribeInstances): the same string to sign, byte for byte."""
    body = b'{"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]}'
    assert hashlib.sha256(body).hexdigest() == "99d58dfbc6745f6747f36bfca17dee5e6881dc0428a0a36f96199342bc5b4907"
    expected = (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "2815843035062fffda5fd6f2a44ea8a34818b0dc46f024b8b3786976a3adda7a"
    )
    signed = trtc_api.string_to_sign(host="cvm.tencentcloudapi.com", body=body, timestamp=1551113065, service="cvm")
    assert signed == expected


def test_a_session_no_longer_held_by_video_closes_its_room(client, fake_trtc):
    online = online_session(client)
    room = enter(client, online.respondent, online.session_id).get_json()["room_id"]
    url = f"{MP}/sessions/{online.session_id}"
    assert _write(client, "PATCH", url, online.mediator, json={"mode": "phone"}).status_code == 200
    background.wait()
    assert fake_trtc.dismissed == [room]
    refused = enter(client, online.respondent, online.session_id)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "video.not_online"
