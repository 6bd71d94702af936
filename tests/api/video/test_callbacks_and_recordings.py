"""Callbacks at the edges (unknown app, unknown person, media events, no-shows) and recordings' integrity checks,
host allow-list and retention sweep."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid

from app.extensions import db, storage
from app.utils import clock as clock_module
from app.video import background, recordings
from app.video.models import VideoCallback, VideoRecording
from tests.api.video.helpers import CALLBACK, enter, online_session
from tests.support.factories import login
from tests.support.live_server import live_server
from tests.support.scheduling import MP


def _room(client, online) -> tuple[str, dict]:
    tickets = {u.id: enter(client, u, online.session_id).get_json() for u in (online.applicant, online.mediator)}
    return tickets[online.applicant.id]["room_id"], tickets


def test_foreign_app_unknown_person_and_media_events(app, client, fake_trtc):
    online = online_session(client)
    room, tickets = _room(client, online)
    now = int(time.time() * 1000)
    with live_server(app=app) as server:
        url = server.url + CALLBACK
        body = fake_trtc.callback(1, 103, room, user_id=tickets[online.applicant.id]["room_user_id"], at_ms=now)
        status, error = fake_trtc.deliver(url, body, app_id=fake_trtc.sdk_app_id + 1)
        assert status == 401 and error["reason"] == "video.callback_unknown_app"
        assert fake_trtc.deliver(url, b"not json", sign=fake_trtc.sign(b"not json"))[0] == 400
        assert fake_trtc.deliver(url, b'{"EventGroupId": 1}')[0] == 422  # signed, but not an event
        stranger = fake_trtc.callback(1, 103, room, user_id="mc_someone", at_ms=now)
        assert fake_trtc.deliver(url, stranger)[0] == 200  # stored, nobody marked
        media = fake_trtc.callback(2, 203, room, user_id=tickets[online.mediator.id]["room_user_id"], at_ms=now)
        assert fake_trtc.deliver(url, media)[0] == 200
    db.session.expire_all()
    assert db.session.query(VideoCallback).count() == 2
    rows = client.get(f"{MP}/sessions/{online.session_id}/video/attendance", headers=login(online.mediator)).get_json()
    by_role = {r["role"]: r for r in rows if r["role"] == "mediator"}
    assert by_role["mediator"]["status"] == "present"
    assert {r["status"] for r in rows if r["role"] == "party"} == {"expected"}


def test_no_shows_after_the_end(client, fake_trtc, clock):
    online = online_session(client)
    clock.advance(hours=3)
    rows = client.get(f"{MP}/sessions/{online.session_id}/video/attendance", headers=login(online.mediator)).get_json()
    assert {r["status"] for r in rows} == {"absent"}


def _register(client, online, fake_trtc, data: bytes, **payload_overrides) -> VideoRecording:
    from app.video import callbacks

    room, _tickets = _room(client, online)
    name = f"r{len(fake_trtc.files)}"
    fake_trtc.add_recording(name, data)
    payload = {**fake_trtc.recording_payload(name), **payload_overrides}
    body = fake_trtc.callback(3, 311, room, payload=payload, task_id="t")
    answer = callbacks.receive(headers={"SdkAppId": str(fake_trtc.sdk_app_id), "Sign": fake_trtc.sign(body)}, body=body)
    assert answer == {"code": 0, "duplicate": False}
    background.wait()  # JOBS_EAGER: the copy runs in a thread after the answer
    db.session.expire_all()
    return db.session.query(VideoRecording).filter_by(session_id=uuid.UUID(online.session_id)).one()


def test_a_size_or_hash_that_disagrees_fails_the_copy(client, fake_trtc):
    online = online_session(client)
    row = _register(client, online, fake_trtc, b"video-bytes" * 100, Md5="0" * 32)
    assert row.status == "failed" and "md5" in row.error and row.storage_key is None
    assert [c["action"] for c in row.custody] == ["registered", "integrity_failed"]


def test_a_url_off_the_allow_list_is_never_fetched(app, client, fake_trtc):
    app.config["VIDEO_RECORDING_HOSTS"] = [".vod2.myqcloud.com"]
    online = online_session(client)
    row = _register(client, online, fake_trtc, b"abc")
    assert row.status == "failed" and "allowed host" in row.error and fake_trtc.downloads == []


def test_copy_is_claimed_once_and_retention_deletes_the_copy(app, client, fake_trtc):
    app.config["VIDEO_RECORDING_RETENTION_DAYS"] = 30  # retention is the deployer's choice
    online = online_session(client)
    data = b"\x00mp4" * 5000
    row = _register(client, online, fake_trtc, data)
    assert row.status == "stored" and row.sha256 == hashlib.sha256(data).hexdigest()
    # the provider's reference is kept: file id, duration, size and the hash it gave
    assert row.file_id.startswith("5285890") and row.duration_seconds == 1800 and row.provider_size == len(data)
    assert row.provider_hash == "md5:" + hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert row.expires_at is not None and row.stored_at is not None
    assert 29 < (row.expires_at - row.stored_at).total_seconds() / 86400 <= 30
    assert recordings.copy(row.id) == "skipped"  # already stored: nothing downloads twice
    assert fake_trtc.downloads.count("r0") == 1
    assert storage.head(row.storage_key).size == len(data)
    clock_module.set_source(clock_module.FakeClock(clock_module.now() + dt.timedelta(days=31)))
    try:
        assert recordings.sweep("microcourt.video.copy_recording") == {"requeued": 0, "expired": 1}
    finally:
        clock_module.reset()
    db.session.expire_all()
    gone = db.session.get(VideoRecording, row.id)
    assert gone.status == "expired" and storage.head(gone.storage_key) is None
    assert gone.custody[-1]["action"] == "expired"
