"""An online hearing: the clerk books it, the judge and clerk enter from court routes and both parties from their
phones (UserSigs checked the TRTC way), the clerk writes the minutes, the parties sign, court systems hear of it."""

from __future__ import annotations

import datetime as dt
import secrets

from app.utils import clock
from app.video import background
from tests.api.video.helpers import COURT, enter
from tests.support.factories import login
from tests.support.hearings import book, trial
from tests.support.scheduling import MP


def test_online_hearing_entry_and_minutes(client, fake_trtc):
    t = trial()
    start = clock.now() + dt.timedelta(minutes=10)
    booked = book(
        client,
        t,
        start.isoformat(),
        (start + dt.timedelta(hours=2)).isoformat(),
        mode="video",
        courtroom_id=None,
        meeting_url="https://court.example.cn/online/7",
    )
    assert booked.status_code == 201, booked.get_json()
    sid = booked.get_json()["id"]
    for who, prefix, role in ((t.judge, COURT, "judge"), (t.clerk, COURT, "clerk"), (t.plaintiff, MP, "party")):
        answer = enter(client, who, sid, prefix=prefix)
        assert answer.status_code == 200, answer.get_json()
        ticket = answer.get_json()
        assert ticket["role"] == role
        fake_trtc.verify_user_sig(ticket["user_sig"], ticket["room_user_id"])
    url = f"{COURT}/sessions/{sid}/minutes"
    assert client.put(url, json={"text": "审判员：现在开庭。"}, headers=login(t.clerk)).status_code == 200
    opened = client.post(f"{url}/signing", headers=login(t.clerk)).get_json()
    assert opened["required_signers"] == 4  # judge, clerk and both parties
    for who, prefix in ((t.judge, MP), (t.clerk, MP), (t.plaintiff, MP), (t.defendant, MP)):
        signed = client.post(
            f"{prefix}/sessions/{sid}/minutes/sign", json={"sha256": opened["sha256"]}, headers=login(who)
        )
        assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["status"] == "frozen"
    assert client.post(f"{COURT}/sessions/{sid}/minutes/pdf", headers=login(t.judge)).status_code == 200


def test_a_cancelled_online_hearing_closes_its_room(client, fake_trtc):
    t = trial()
    start = clock.now() + dt.timedelta(minutes=10)
    end = (start + dt.timedelta(hours=1)).isoformat()
    booked = book(client, t, start.isoformat(), end, mode="video", courtroom_id=None, meeting_url="https://c.cn/o/8")
    sid = booked.get_json()["id"]
    room = enter(client, t.plaintiff, sid).get_json()["room_id"]
    headers = {**login(t.clerk), "Idempotency-Key": secrets.token_hex(8)}
    cancelled = client.post(f"{COURT}/hearings/{sid}/cancel", json={"reason": "审判员回避"}, headers=headers)
    assert cancelled.status_code == 200, cancelled.get_json()
    background.wait()
    assert fake_trtc.dismissed == [room]
    refused = enter(client, t.judge, sid, prefix=COURT)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "video.session_closed"


def test_a_postponed_online_hearing_closes_the_room_of_the_old_time(client, fake_trtc):
    t = trial()
    start = clock.now() + dt.timedelta(minutes=10)
    end = (start + dt.timedelta(hours=1)).isoformat()
    booked = book(client, t, start.isoformat(), end, mode="video", courtroom_id=None, meeting_url="https://c.cn/o/9")
    sid = booked.get_json()["id"]
    room = enter(client, t.judge, sid, prefix=COURT).get_json()["room_id"]
    later = clock.now() + dt.timedelta(days=3)
    body = {
        "reason": "当事人申请延期",
        "starts_at": later.isoformat(),
        "ends_at": (later + dt.timedelta(hours=1)).isoformat(),
    }
    headers = {**login(t.clerk), "Idempotency-Key": secrets.token_hex(8)}
    postponed = client.post(f"{COURT}/hearings/{sid}/postpone", json=body, headers=headers)
    assert postponed.status_code == 200, postponed.get_json()
    background.wait()
    assert fake_trtc.dismissed == [room]
    early = enter(client, t.plaintiff, sid)
    assert early.status_code == 409 and early.get_json()["reason"] == "video.too_early"
