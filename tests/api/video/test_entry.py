"""Entry rules: the window, cancelled sessions, ended cases, unverified parties, lawyers, the external link."""

from __future__ import annotations

import datetime as dt

from app.cases import Case
from app.extensions import db
from app.identity import User
from tests.api.video.helpers import enter, online_session
from tests.support.factories import login, make_court
from tests.support.scheduling import MP, add_lawyer, lawyer


def test_too_early_then_open(client, fake_trtc):
    online = online_session(client, starts_in=dt.timedelta(hours=2))
    early = enter(client, online.applicant, online.session_id)
    assert early.status_code == 409 and early.get_json()["reason"] == "video.too_early"


def test_the_window_early_entry_is_configurable_and_the_ticket_ends_with_it(app, client, fake_trtc, clock):
    online = online_session(client, starts_in=dt.timedelta(hours=2))
    early = enter(client, online.applicant, online.session_id).get_json()
    assert early["reason"] == "video.too_early" and early["errors"]["opens_at"]
    app.config["VIDEO_EARLY_ENTRY_MINUTES"] = 150  # this court lets people in two and a half hours early
    ticket = enter(client, online.applicant, online.session_id)
    assert ticket.status_code == 200, ticket.get_json()
    ticket = ticket.get_json()
    expires, closes = (dt.datetime.fromisoformat(ticket[k]) for k in ("expires_at", "closes_at"))
    assert expires <= closes  # the UserSig dies with the window
    assert fake_trtc.verify_user_sig(ticket["user_sig"], ticket["room_user_id"], now=clock().timestamp())
    app.config["VIDEO_EARLY_ENTRY_MINUTES"] = 15
    clock.advance(hours=4, minutes=1)  # past the end (3 h from now) and the 60-minute grace
    late = enter(client, online.applicant, online.session_id)
    assert late.status_code == 409 and late.get_json()["reason"] == "video.window_closed"


def test_cancelled_session_and_ended_case_are_409(client, fake_trtc):
    online = online_session(client)
    cancelled = client.post(
        f"{MP}/sessions/{online.session_id}/cancel", json={"reason": "改期"}, headers=login(online.mediator)
    )
    assert cancelled.status_code == 200
    answer = enter(client, online.applicant, online.session_id)
    assert answer.status_code == 409 and answer.get_json()["reason"] == "video.session_closed"

    other = online_session(client)
    case = db.session.get(Case, other.case.id)
    case.status = "failed"
    db.session.commit()
    ended = enter(client, other.respondent, other.session_id)
    assert ended.status_code == 409 and ended.get_json()["reason"] == "video.case_ended"


def test_unverified_party_is_refused_and_a_verified_lawyer_enters(client, fake_trtc):
    online = online_session(client)
    counsel = lawyer()
    add_lawyer(online.case, counsel)
    assert enter(client, counsel, online.session_id).get_json()["role"] == "lawyer"
    user = db.session.get(User, online.respondent.id)
    user.verification_status = "unverified"
    db.session.commit()
    refused = enter(client, online.respondent, online.session_id)
    assert refused.status_code == 403 and refused.get_json()["reason"] == "video.identity_not_verified"


def test_external_link_provider_hands_out_the_meeting_url(app, client):
    app.config["VIDEO_PROVIDER"] = "external"
    online = online_session(client)
    ticket = enter(client, online.applicant, online.session_id).get_json()
    assert ticket["provider"] == "external" and ticket["user_sig"] is None
    assert ticket["meeting_url"] == "https://meeting.court.example.cn/r/1"


def test_trtc_without_keys_is_503(app, client):
    app.config.update(VIDEO_PROVIDER="trtc", TRTC_SDK_APP_ID=0, TRTC_SECRET_KEY="")
    online = online_session(client)
    answer = enter(client, online.applicant, online.session_id)
    assert answer.status_code == 503 and answer.get_json()["reason"] == "video.provider_unconfigured"


def test_per_court_provider(app, client, fake_trtc):
    court = make_court()
    online = online_session(client, court=court)
    assert enter(client, online.applicant, online.session_id).get_json()["provider"] == "trtc"
    app.config.update(VIDEO_COURT_PROVIDERS=f"{court.id}=external")
    assert enter(client, online.applicant, online.session_id).get_json()["provider"] == "external"
