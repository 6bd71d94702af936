"""Shared set-up for video tests: an online mediation session that opens in ten minutes, with both parties."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from app.cases import Case, CaseParty
from app.extensions import db
from app.identity import User
from app.utils import clock
from tests.support.factories import login
from tests.support.scheduling import MP, book, join, mediation_case, mediator, person

COURT = "/api/court/v1"
CALLBACK = "/api/public/v1/video/trtc/callback"


@dataclasses.dataclass
class Online:
    """A booked online session and its people."""

    case: Case
    session_id: str
    mediator: User
    applicant: User
    respondent: User


def online_session(client, *, starts_in: dt.timedelta = dt.timedelta(minutes=10), **case_fields) -> Online:
    """The mediator books a video session over HTTP; both parties are joined and real-name verified."""
    boss = mediator()
    applicant = person("张三")
    case = mediation_case(mediator_user=boss, filer=applicant, **case_fields)
    respondent = person("李四")
    join(case, respondent)
    start = clock.now() + starts_in
    booked = book(
        client,
        case,
        boss,
        start.isoformat(),
        (start + dt.timedelta(hours=1)).isoformat(),
        mode="video",
        meeting_url="https://meeting.court.example.cn/r/1",
    )
    assert booked.status_code == 201, booked.get_json()
    return Online(case, booked.get_json()["id"], boss, applicant, respondent)


def enter(client, user: User, session_id: str, *, prefix: str = MP):
    return client.post(
        f"{prefix}/sessions/{session_id}/video/entry",
        headers={**login(user), "Idempotency-Key": secrets.token_hex(8)},
    )


def party_of(case: Case, user: User) -> CaseParty:
    return db.session.query(CaseParty).filter_by(case_id=case.id, user_id=user.id).one()
