"""The whole journey over HTTP across people and TRTC (the fake on 127.0.0.1): the mediator books an online
mediation session; both parties and the mediator get entry (each UserSig checked the way TRTC checks it); a stranger
gets nothing; TRTC's signed callbacks (duplicated, forged, stale, out of order) mark attendance; the mediator
corrects one; the cloud recording is copied into our store and hashed; the minutes are written, signed by everyone
and frozen with their PDF; then the settlement agreement follows, signed by both parties."""

from __future__ import annotations

import hashlib
import time

from app.extensions import db, storage
from app.video import background
from app.video.models import SessionMinutes
from tests.api.video.helpers import CALLBACK, enter, online_session
from tests.support.factories import login
from tests.support.live_server import live_server
from tests.support.scheduling import MP, person


def test_book_enter_attend_record_and_sign_the_minutes(app, client, fake_trtc):
    online = online_session(client)
    sid = online.session_id

    tickets = {}
    for who in (online.applicant, online.respondent, online.mediator):
        answer = enter(client, who, sid)
        assert answer.status_code == 200, answer.get_json()
        ticket = answer.get_json()
        assert ticket["provider"] == "trtc" and ticket["sdk_app_id"] == fake_trtc.sdk_app_id
        doc = fake_trtc.verify_user_sig(ticket["user_sig"], ticket["room_user_id"])
        assert doc["TLS.expire"] <= 6 * 3600
        tickets[who.id] = ticket
    assert len({t["room_user_id"] for t in tickets.values()}) == 3  # one opaque id per account
    assert len({t["room_id"] for t in tickets.values()}) == 1
    again = enter(client, online.applicant, sid).get_json()
    assert again["room_user_id"] == tickets[online.applicant.id]["room_user_id"]  # bound to the account
    assert enter(client, person("王五"), sid).status_code == 404  # a stranger: no such session

    room = tickets[online.applicant.id]["room_id"]
    applicant_id = tickets[online.applicant.id]["room_user_id"]
    respondent_id = tickets[online.respondent.id]["room_user_id"]
    mediator_id = tickets[online.mediator.id]["room_user_id"]
    now = int(time.time() * 1000)
    with live_server(app=app) as server:
        url = server.url + CALLBACK
        exit_first = fake_trtc.callback(1, 104, room, user_id=respondent_id, at_ms=now + 600_000)
        assert fake_trtc.deliver(url, exit_first)[0] == 200  # out of order: the exit arrives first
        for body in (
            fake_trtc.callback(1, 103, room, user_id=mediator_id, at_ms=now),
            fake_trtc.callback(1, 103, room, user_id=applicant_id, at_ms=now + 1000),
            fake_trtc.callback(1, 103, room, user_id=respondent_id, at_ms=now + 2000),
        ):
            assert fake_trtc.deliver(url, body) == (200, {"code": 0, "duplicate": False})
        assert fake_trtc.deliver(url, exit_first) == (200, {"code": 0, "duplicate": True})  # TRTC retried
        forged = fake_trtc.callback(1, 103, room, user_id="mc_intruder", at_ms=now)
        status, error = fake_trtc.deliver(url, forged, sign=fake_trtc.sign(forged, key="not-the-key"))
        assert status == 401 and error["reason"] == "video.callback_bad_signature"
        stale = fake_trtc.callback(1, 104, room, user_id=applicant_id, at_ms=now, sent_ms=now - 3_600_000)
        status, error = fake_trtc.deliver(url, stale)
        assert status == 401 and error["reason"] == "video.callback_stale"

        # the cloud recording: TRTC uploads it to VOD and says so (311); the job copies it after the answer
        video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 400
        fake_trtc.add_recording("rec1", video)
        body = fake_trtc.callback(3, 311, room, payload=fake_trtc.recording_payload("rec1"), task_id="task-1")
        assert fake_trtc.deliver(url, body)[0] == 200
        background.wait()  # the copy runs after the answer (a thread when JOBS_EAGER)

    db.session.expire_all()
    staff = login(online.mediator)
    seen = client.get(f"{MP}/sessions/{sid}/video/attendance", headers=staff).get_json()
    by_role = {(row["role"], row["name"]): row for row in seen}
    assert by_role[("party", "张三")]["status"] == "present"
    respondent_row = by_role[("party", "李四")]
    assert respondent_row["status"] == "present" and respondent_row["seconds_in_room"] == 598
    fixed = client.post(
        f"{MP}/sessions/{sid}/video/attendance",
        json={"user_id": str(online.respondent.id), "status": "dial_in", "reason": "网络中断，改为电话接入"},
        headers=staff,
    )
    assert fixed.status_code == 200, fixed.get_json()
    assert next(r for r in fixed.get_json() if r["name"] == "李四")["status"] == "dial_in"
    session_view = client.get(f"{MP}/sessions/{sid}", headers=staff).get_json()
    assert sum(1 for row in session_view["attendance"] if row["attended"]) == 3  # scheduling's own view agrees

    [recording] = client.get(f"{MP}/sessions/{sid}/video/recordings", headers=login(online.applicant)).get_json()
    assert recording["status"] == "stored", recording
    assert recording["sha256"] == hashlib.sha256(video).hexdigest() and recording["size_bytes"] == len(video)
    watch = client.post(f"{MP}/video/recordings/{recording['id']}/link", headers=login(online.respondent))
    assert watch.status_code == 200 and watch.get_json()["sha256"] == recording["sha256"]
    stranger = client.post(f"{MP}/video/recordings/{recording['id']}/link", headers=login(person("赵六")))
    assert stranger.status_code == 404

    minutes_url = f"{MP}/sessions/{sid}/minutes"
    draft = client.put(minutes_url, json={"text": "调解员：今天就借款纠纷进行调解。"}, headers=staff)
    assert draft.status_code == 200, draft.get_json()
    text = "调解员：今天就借款纠纷进行调解。\n张三：要求归还借款五万元。\n李四：同意分两期归还。"
    assert client.put(minutes_url, json={"text": text}, headers=staff).get_json()["version"] == 2
    assert client.put(minutes_url, json={"text": "x"}, headers=login(online.applicant)).status_code == 403
    opened = client.post(f"{minutes_url}/signing", headers=staff).get_json()
    assert opened["status"] == "signing" and opened["required_signers"] == 3
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert opened["sha256"] == digest
    for who in (online.applicant, online.respondent):
        read = client.get(minutes_url, headers=login(who)).get_json()
        assert read["must_sign"] and read["text"] == text
        signed = client.post(f"{minutes_url}/sign", json={"sha256": read["sha256"]}, headers=login(who))
        assert signed.status_code == 200, signed.get_json()
    twice = client.post(f"{minutes_url}/sign", json={"sha256": digest}, headers=login(online.applicant))
    assert twice.status_code == 409 and twice.get_json()["reason"] == "video.minutes_already_signed"
    final = client.post(f"{minutes_url}/sign", json={"sha256": digest}, headers=staff).get_json()
    assert final["status"] == "frozen" and final["sha256"] == digest and len(final["signatures"]) == 3
    pdf = client.post(f"{minutes_url}/pdf", headers=login(online.applicant))
    assert pdf.status_code == 200, pdf.get_json()
    row = db.session.query(SessionMinutes).one()
    stored = b"".join(storage.iter_chunks(row.pdf_key))
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == pdf.get_json()["sha256"]
    types = [e["type"] for e in client.get(f"{MP}/cases/{online.case.id}/timeline", headers=staff).get_json()]
    for event in (
        "video.attendance_corrected",
        "video.recording_copied",
        "video.minutes_signed",
        "video.minutes_frozen",
    ):
        assert event in types

    # the agreement follows: the mediator records the settlement, both parties sign it in person, it takes effect
    case_url = f"{MP}/cases/{online.case.id}"
    terms = "一、李四于2027年1月31日前向张三归还借款五万元，分两期支付。"
    settled = client.post(f"{case_url}/outcome", json={"result": "settled", "terms": terms}, headers=staff)
    assert settled.status_code == 200, settled.get_json()
    assert settled.get_json()["status"] == "settled" and terms in settled.get_json()["agreement"]["text"]
    for who in (online.applicant, online.respondent):
        signed = client.post(f"{case_url}/agreement/sign", json={}, headers=login(who))
        assert signed.status_code == 200, signed.get_json()
    agreement = client.get(f"{case_url}/agreement", headers=login(online.applicant)).get_json()
    assert agreement["effective_at"] is not None and len(agreement["signatures"]) == 2
