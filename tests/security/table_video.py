"""Authorization rows for video (entry, attendance, recordings, minutes) and TRTC's callback URL.

The preparer adds, at the world's court and organisation, an online mediation session of the world's citizen with
"mediator" as its mediator, and an online hearing of a litigation case with "judge" and "clerk", both opening in
five minutes (inside the entry window), each with a stored recording and minutes (the mediation's open for
signing by the citizen and the mediator, the hearing's a draft). The world's citizen is not real-name verified, so
they are refused entry and signing (403). Readers of a case who do not take part get 403 where the action is the
staff's or a participant's; everyone else 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from app.extensions import db
from app.scheduling import sessions as scheduling_sessions
from app.utils import clock
from app.video.models import SessionMinutes, VideoRecording
from tests.security.routes import COURT, MP, PUBLIC, Route
from tests.security.world import NONEXISTENT, PREPARERS, World
from tests.support.cases import file_case

MediationSession = scheduling_sessions.MediationSession
READERS = frozenset({"citizen", "mediator", "clerk", "judge", "org_admin"})
MEDIATOR = frozenset({"mediator"})
COURT_READERS = frozenset({"clerk", "judge", "machine"})
COURT_PEOPLE = frozenset({"clerk", "judge"})
TEXT = "调解员：双方到场。"


def _forbidden(*names: str) -> dict[str, int]:
    return dict.fromkeys(names, 403)


def _session(case, **staff) -> MediationSession:
    start = clock.now() + dt.timedelta(minutes=5)
    row = MediationSession(
        case_id=case.id,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        mode="video",
        meeting_url="https://meeting.court.example.cn/r/9",
        **staff,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _extras(session: MediationSession, *, status: str, required: list) -> None:
    db.session.add(
        VideoRecording(
            session_id=session.id,
            case_id=session.case_id,
            provider="trtc",
            file_id=f"f-{session.id.hex}",
            source_url="https://x.vod2.myqcloud.com/a.mp4",
            status="stored",
            storage_key=f"video/{session.case_id}/{session.id}/r.mp4",
            sha256="0" * 64,
            custody=[],
        )
    )
    db.session.add(
        SessionMinutes(
            session_id=session.id,
            case_id=session.case_id,
            status=status,
            version=1,
            text=TEXT,
            sha256=hashlib.sha256(TEXT.encode()).hexdigest(),
            author_user_id=required[0],
            required_user_ids=[str(u) for u in required],
        )
    )


def prepare(world: World) -> None:
    """An online mediation session and an online hearing, in their entry windows."""
    mediator, citizen = world.people["mediator"], world.people["citizen"]
    case = file_case(citizen, court=world.court, org=world.org)
    case.mediator_user_id, case.status = mediator.id, "in_mediation"
    mediation = _session(case, kind="mediation", mediator_user_id=mediator.id)
    _extras(mediation, status="signing", required=[mediator.id, citizen.id])
    hearing_case = file_case(kind="litigation", court=world.court)
    hearing_case.status = "accepted"
    judge, clerk = world.people["judge"], world.people["clerk"]
    hearing = _session(hearing_case, kind="hearing", judge_user_id=judge.id, clerk_user_id=clerk.id)
    _extras(hearing, status="draft", required=[clerk.id, judge.id])
    db.session.commit()
    world.extra.update(video_session=mediation, video_hearing=hearing, video_citizen=citizen)


PREPARERS.append(prepare)


def _s(suffix: str, key: str = "video_session"):
    return lambda w: f"/sessions/{w.extra[key].id}{suffix}"


def _recording(key: str = "video_session"):
    def path(w: World) -> str:
        row = db.session.query(VideoRecording).filter_by(session_id=w.extra[key].id).one()
        return f"/video/recordings/{row.id}/link"

    return path


def _sha(w: World) -> dict:
    return {"sha256": hashlib.sha256(TEXT.encode()).hexdigest()}


def _correction(user_key: str):
    return lambda w: {"user_id": str(w.people[user_key].id), "status": "dial_in", "reason": "电话接入"}


NOT_STAFF = _forbidden("citizen", "clerk", "judge", "org_admin")
H = "video_hearing"

ROUTES: list[Route] = [
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/video/entry",
        "user",
        MEDIATOR,
        _s("/video/entry"),
        special=_forbidden("citizen", "clerk", "judge", "org_admin"),
    ),
    Route("GET", f"{MP}/sessions/<uuid:session_id>/video/attendance", "user", READERS, _s("/video/attendance")),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/video/attendance",
        "user",
        MEDIATOR,
        _s("/video/attendance"),
        _correction("citizen"),
        special=NOT_STAFF,
    ),
    Route("GET", f"{MP}/sessions/<uuid:session_id>/video/recordings", "user", READERS, _s("/video/recordings")),
    Route("POST", f"{MP}/video/recordings/<uuid:recording_id>/link", "user", READERS, _recording()),
    Route("GET", f"{MP}/sessions/<uuid:session_id>/minutes", "user", READERS, _s("/minutes")),
    Route(
        "PUT",
        f"{MP}/sessions/<uuid:session_id>/minutes",
        "user",
        MEDIATOR,
        _s("/minutes"),
        lambda w: {"text": "新的笔录"},
        special={**NOT_STAFF, "mediator": 409},  # the staff may write, but these minutes are open for signing
    ),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/minutes/signing",
        "user",
        MEDIATOR,
        _s("/minutes/signing"),
        special={**NOT_STAFF, "mediator": 409},  # already open for signing
    ),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/minutes/sign",
        "user",
        MEDIATOR,
        _s("/minutes/sign"),
        _sha,
        special=_forbidden("citizen", "clerk", "judge", "org_admin"),  # the citizen is not real-name verified
    ),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/minutes/refuse",
        "user",
        MEDIATOR,
        _s("/minutes/refuse"),
        lambda w: {**_sha(w), "reason": "记录与陈述不符"},
        special=_forbidden("citizen", "clerk", "judge", "org_admin"),
    ),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/minutes/pdf",
        "user",
        READERS,
        _s("/minutes/pdf"),
        special=dict.fromkeys(READERS, 409),  # not frozen yet
    ),
    # court staff: the hearing of the world's court
    Route("POST", f"{COURT}/sessions/<uuid:session_id>/video/entry", "user", COURT_PEOPLE, _s("/video/entry", H)),
    Route(
        "GET", f"{COURT}/sessions/<uuid:session_id>/video/attendance", "any", COURT_READERS, _s("/video/attendance", H)
    ),
    Route(
        "POST",
        f"{COURT}/sessions/<uuid:session_id>/video/attendance",
        "user",
        COURT_PEOPLE,
        _s("/video/attendance", H),
        _correction("judge"),
    ),
    Route(
        "GET", f"{COURT}/sessions/<uuid:session_id>/video/recordings", "any", COURT_READERS, _s("/video/recordings", H)
    ),
    Route("POST", f"{COURT}/video/recordings/<uuid:recording_id>/link", "user", COURT_PEOPLE, _recording(H)),
    Route("GET", f"{COURT}/sessions/<uuid:session_id>/minutes", "any", COURT_READERS, _s("/minutes", H)),
    Route(
        "PUT",
        f"{COURT}/sessions/<uuid:session_id>/minutes",
        "user",
        COURT_PEOPLE,
        _s("/minutes", H),
        lambda w: {"text": "书记员：开庭。"},
    ),
    Route(
        "POST",
        f"{COURT}/sessions/<uuid:session_id>/minutes/signing",
        "user",
        COURT_PEOPLE,
        _s("/minutes/signing", H),
        special={"judge": 409},  # the clerk (called first) opened signing
    ),
    Route(
        "POST",
        f"{COURT}/sessions/<uuid:session_id>/minutes/pdf",
        "user",
        COURT_PEOPLE,
        _s("/minutes/pdf", H),
        special=dict.fromkeys(COURT_PEOPLE, 409),
    ),
    Route("POST", f"{PUBLIC}/video/trtc/callback", "public", public_status=401, body=lambda w: {}),
]

NONEXISTENT_PATHS = {
    f"{MP}/sessions/<uuid:session_id>/video/entry": f"/sessions/{NONEXISTENT}/video/entry",
    f"{MP}/sessions/<uuid:session_id>/minutes": f"/sessions/{NONEXISTENT}/minutes",
    f"{MP}/video/recordings/<uuid:recording_id>/link": f"/video/recordings/{NONEXISTENT}/link",
    f"{COURT}/sessions/<uuid:session_id>/video/entry": f"/sessions/{NONEXISTENT}/video/entry",
}
