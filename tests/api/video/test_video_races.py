"""Races on PostgreSQL: TRTC retrying one callback at once, everyone entering a new room at once, one person's
enter and media events arriving together, and a party's double-tap on "sign": one row each, nothing doubled, and
the losers get the answer for a decided question."""

from __future__ import annotations

import secrets
import threading
import time
import uuid

import pytest

from app.extensions import db
from app.video import callbacks
from app.video.models import (
    SessionMinutesSignature,
    VideoAttendance,
    VideoCallback,
    VideoRoom,
    VideoRoomMember,
)
from tests.api.video.helpers import online_session
from tests.conftest import is_postgres
from tests.support.factories import login
from tests.support.scheduling import MP

THREADS = 6


@pytest.fixture
def postgres(database_url):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time, so a race there proves nothing")


def race(app, calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = []

    def run(call):
        with app.app_context():
            barrier.wait()
            try:
                results.append(call(app.test_client()))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _entry(user):
    headers = {**login(user), "Idempotency-Key": secrets.token_hex(8)}
    return lambda c, sid: c.post(f"{MP}/sessions/{sid}/video/entry", headers=headers).status_code


@pytest.mark.postgres
def test_entries_callbacks_and_signatures_at_once(app, client, fake_trtc, postgres):
    online = online_session(client)
    sid = online.session_id
    people = [online.applicant, online.respondent, online.mediator] * 2
    entries = [_entry(p) for p in people]
    calls = [lambda c, f=f: f(c, sid) for f in entries]
    assert race(app, calls) == [200] * len(people)
    db.session.expire_all()
    assert db.session.query(VideoRoom).count() == 1 and db.session.query(VideoRoomMember).count() == 3

    room = db.session.query(VideoRoom).one()
    member = db.session.query(VideoRoomMember).filter_by(user_id=online.applicant.id).one()
    body = fake_trtc.callback(1, 103, room.room_id, user_id=member.room_user_id, at_ms=int(time.time() * 1000))
    headers = {"SdkAppId": str(fake_trtc.sdk_app_id), "Sign": fake_trtc.sign(body)}
    answers = race(app, [lambda c: callbacks.receive(headers=headers, body=body)] * THREADS)
    assert sorted(a["duplicate"] for a in answers) == [False] + [True] * (THREADS - 1)
    assert db.session.query(VideoCallback).count() == 1

    url = f"{MP}/sessions/{sid}/minutes"
    client.put(url, json={"text": "笔录"}, headers=login(online.mediator))
    digest = client.post(f"{url}/signing", headers=login(online.mediator)).get_json()["sha256"]
    tokens = [login(online.applicant) for _ in range(THREADS)]
    statuses = race(
        app,
        [lambda c, h=h: c.post(f"{url}/sign", json={"sha256": digest}, headers=h).status_code for h in tokens],
    )
    assert sorted(statuses) == [200] + [409] * (THREADS - 1)
    db.session.expire_all()
    rows = db.session.query(SessionMinutesSignature).filter_by(user_id=uuid.UUID(str(online.applicant.id))).all()
    assert len(rows) == 1


@pytest.mark.postgres
def test_one_persons_enter_and_media_events_at_once(app, client, fake_trtc, postgres):
    online = online_session(client)
    assert race(app, [lambda c: _entry(online.applicant)(c, online.session_id)]) == [200]
    db.session.expire_all()
    room = db.session.query(VideoRoom).one()
    member = db.session.query(VideoRoomMember).one()
    now = int(time.time() * 1000)
    calls = []
    for offset, (group, kind) in enumerate(((1, 103), (2, 201), (2, 202), (2, 203))):
        body = fake_trtc.callback(group, kind, room.room_id, user_id=member.room_user_id, at_ms=now + offset)
        headers = {"SdkAppId": str(fake_trtc.sdk_app_id), "Sign": fake_trtc.sign(body)}
        calls.append(lambda c, b=body, h=headers: callbacks.receive(headers=h, body=b))
    assert race(app, calls) == [{"code": 0, "duplicate": False}] * 4  # none fails on the attendance row
    db.session.expire_all()
    [row] = db.session.query(VideoAttendance).all()
    assert row.status == "present" and row.first_joined_at is not None
    assert int(row.first_joined_at.timestamp() * 1000) == now  # every event counted, the earliest first
