"""Who cannot join by video: the mediator records a dial-in or in-person fallback (with a reason) and the session
still completes: it is marked held with them counted as attending, the fallback stays on record, and the minutes
are signed by everyone, the dial-in party included."""

from __future__ import annotations

import hashlib

from app.audit.models import AuditEvent
from app.extensions import db
from tests.api.video.helpers import enter, online_session
from tests.support.factories import login
from tests.support.scheduling import MP


def test_dial_in_and_in_person_fallbacks_and_the_session_is_held(client, fake_trtc, clock):
    online = online_session(client)
    sid = online.session_id
    assert enter(client, online.mediator, sid).status_code == 200
    clock.advance(minutes=20)  # under way; neither party could enter by video
    staff = login(online.mediator)  # a token issued at the clock's new time
    url = f"{MP}/sessions/{sid}/video/attendance"
    body = {"user_id": str(online.respondent.id), "status": "dial_in", "reason": "电话接入"}
    party = client.post(url, json=body, headers={**login(online.applicant), "Idempotency-Key": "by-a-party"})
    assert party.status_code == 403 and party.get_json()["reason"] == "video.not_staff"
    no_reason = {**body, "reason": "  "}
    assert client.post(url, json=no_reason, headers={**staff, "Idempotency-Key": "no-reason"}).status_code == 422
    for who, status, reason in (
        (online.applicant, "in_person", "到调解室现场参加"),
        (online.respondent, "dial_in", "手机网络不佳，改为电话接入"),
    ):
        body = {"user_id": str(who.id), "status": status, "reason": reason}
        answer = client.post(url, json=body, headers={**staff, "Idempotency-Key": f"fallback-{status}"})
        assert answer.status_code == 200, answer.get_json()
    held = client.post(
        f"{MP}/sessions/{sid}/held",
        json={"attended_user_ids": [str(u.id) for u in (online.mediator, online.applicant, online.respondent)]},
        headers=staff,
    )
    assert held.status_code == 200, held.get_json()
    assert held.get_json()["status"] == "held"
    assert all(row["attended"] for row in held.get_json()["attendance"])
    rows = {r["user_id"]: r for r in client.get(url, headers=staff).get_json()}
    assert rows[str(online.applicant.id)]["status"] == "in_person" and rows[str(online.applicant.id)]["corrected"]
    assert rows[str(online.respondent.id)]["status"] == "dial_in"
    assert rows[str(online.respondent.id)]["correction_reason"] == "手机网络不佳，改为电话接入"

    minutes_url = f"{MP}/sessions/{sid}/minutes"
    text = "调解员：李四通过电话接入，张三到场参加。"
    assert client.put(minutes_url, json={"text": text}, headers=staff).status_code == 200
    assert client.post(f"{minutes_url}/signing", headers=staff).get_json()["required_signers"] == 3
    digest = hashlib.sha256(text.encode()).hexdigest()
    for who in (online.applicant, online.respondent, online.mediator):
        answer = client.post(f"{minutes_url}/sign", json={"sha256": digest}, headers=login(who))
        assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "frozen"
    types = [e["type"] for e in client.get(f"{MP}/cases/{online.case.id}/timeline", headers=staff).get_json()]
    assert types.count("video.attendance_corrected") == 2 and "session.held" in types
    audited = db.session.query(AuditEvent).filter_by(action="video.attendance_corrected").count()
    assert audited == 2
