"""Authorization rows for scheduling (sessions, schedule, availability, unavailability, working hours, hearings,
courtrooms) and invitations.

The preparer adds a mediation case of its own (so the world's case stays as other tables expect): filed by
"citizen" at the world's court and organisation, with "mediator" as its mediator (Case.mediator_user_id set
directly) and in mediation; a future session, a past one, a lawyer's unavailability, and invitations.
Readers of that case who may not do an action get 403 (known but forbidden), everyone else 404.
"""

from __future__ import annotations

import datetime as dt
import itertools

from app.extensions import db
from app.identity import login_sessions as sessions
from app.invitations import issuing as invitations
from app.scheduling.models import Courtroom, MediationSession, Unavailability
from app.utils import clock
from tests.security.routes import COURT, MP, Route
from tests.security.world import NONEXISTENT, PREPARERS, PRINCIPALS, World
from tests.support.cases import file_case

USERS = frozenset(p for p in PRINCIPALS if p not in {"anonymous", "machine", "other_machine"})
READERS = frozenset({"citizen", "mediator", "clerk", "judge", "org_admin"})
MEDIATOR = frozenset({"mediator"})
INVITERS = frozenset({"mediator", "clerk", "judge"})
STAFF = frozenset({"mediator", "clerk", "judge", "org_admin"})


def _forbidden(*names: str) -> dict[str, int]:
    return dict.fromkeys(names, 403)


READERS_NOT_MEDIATOR = _forbidden("citizen", "clerk", "judge", "org_admin")


def prepare(world: World) -> None:
    """A mediation case with a mediator, sessions, an unavailability and invitations."""
    mediator = world.people["mediator"]
    case = file_case(world.people["citizen"], court=world.court, org=world.org)
    case.mediator_user_id, case.status = mediator.id, "in_mediation"
    now = clock.now()
    future = MediationSession(
        case_id=case.id,
        mediator_user_id=mediator.id,
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=1),
        mode="phone",
        created_by=mediator.id,
    )
    past = MediationSession(
        case_id=case.id,
        mediator_user_id=mediator.id,
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now - dt.timedelta(hours=1),
        mode="phone",
        created_by=mediator.id,
    )
    away = Unavailability(
        user_id=world.people["lawyer"].id, starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=4)
    )
    db.session.add_all([future, past, away])
    db.session.commit()
    actor = sessions.load_principal(mediator)
    open_invitation = invitations.issue(case_id=case.id, actor=actor, role="respondent", max_uses=50)
    to_revoke = invitations.issue(case_id=case.id, actor=actor, role="respondent")
    world.extra.update(
        sched_case=case,
        session=future,
        past_session=past,
        unavailability=away,
        invitation=open_invitation,
        revocable=to_revoke,
    )


PREPARERS.append(prepare)

COURT_ACTORS = frozenset({"clerk", "judge", "machine"})  # staff and the system of the case's court
COURT_STAFF = frozenset({"clerk", "other_clerk", "judge", "machine", "other_machine"})
ROOM_KEEPERS = frozenset({"clerk", "other_clerk", "machine", "other_machine"})  # judges read, clerks keep
_slots = itertools.count(1)


def prepare_hearings(world: World) -> None:
    """An accepted litigation case at the world's court with a courtroom (hearings are made per call)."""
    case = file_case(kind="litigation", court=world.court)  # a verified filer of its own
    case.status, case.case_number = "accepted", "(2026)浙0206民初900号"
    room = Courtroom(court_id=world.court.id, name="第一法庭", active=True)
    db.session.add(room)
    db.session.commit()
    world.extra.update(hearing_case=case, courtroom=room)


PREPARERS.append(prepare_hearings)


def _fresh_hearing(w: World, *, past: bool = False) -> MediationSession:
    """A hearing of its own for each call (so one principal's cancel or postponement leaves the next one a hearing)."""
    start = clock.now() - dt.timedelta(hours=2) if past else clock.now() + dt.timedelta(days=40 + next(_slots))
    hearing = MediationSession(
        case_id=w.extra["hearing_case"].id,
        kind="hearing",
        judge_user_id=w.people["judge"].id,
        clerk_user_id=w.people["clerk"].id,
        courtroom_id=w.extra["courtroom"].id,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        mode="in_person",
        location="第一法庭",
        postponements=[],
    )
    db.session.add(hearing)
    db.session.commit()
    return hearing


def _hearing(suffix: str = "", *, past: bool = False):
    return lambda w: f"/hearings/{_fresh_hearing(w, past=past).id}{suffix}"


def _booking(w: World) -> dict:
    n = next(_slots)
    return {
        "starts_at": _at(200 + n),
        "ends_at": _at(200 + n, 1),
        "mode": "in_person",
        "courtroom_id": str(w.extra["courtroom"].id),
        "judge_user_id": str(w.people["judge"].id),
    }


def _later(w: World) -> dict:
    n = next(_slots)
    return {"starts_at": _at(300 + n), "ends_at": _at(300 + n, 1), "reason": "当事人申请延期"}


def _at(days: float, hours: float = 0) -> str:
    return (clock.now() + dt.timedelta(days=days, hours=hours)).astimezone(clock.SHANGHAI).isoformat()


def _case(suffix: str = ""):
    return lambda w: f"/cases/{w.extra['sched_case'].id}{suffix}"


def _session(suffix: str = "", key: str = "session"):
    return lambda w: f"/sessions/{w.extra[key].id}{suffix}"


def _token(suffix: str = ""):
    return lambda w: f"/invitations/{w.extra['invitation']['token']}{suffix}"


ACCEPT_SPECIAL = {"citizen": 409, **_forbidden(*STAFF)}
RANGE = {"from": "2030-01-07T00:00:00+08:00", "to": "2030-01-09T00:00:00+08:00"}

ROUTES: list[Route] = [
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/sessions",
        "user",
        MEDIATOR,
        _case("/sessions"),
        lambda w: {"starts_at": _at(20), "ends_at": _at(20, 1), "mode": "phone"},
        special=READERS_NOT_MEDIATOR,
    ),
    Route("GET", f"{MP}/cases/<uuid:case_id>/sessions", "user", READERS, _case("/sessions")),
    Route("GET", f"{MP}/sessions/<uuid:session_id>", "user", READERS, _session()),
    Route(
        "PATCH",
        f"{MP}/sessions/<uuid:session_id>",
        "user",
        MEDIATOR,
        _session(),
        lambda w: {"mode": "video", "meeting_url": "https://meet.example.cn/room/1"},
        special=READERS_NOT_MEDIATOR,
    ),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/cancel",
        "user",
        MEDIATOR,
        _session("/cancel"),
        lambda w: {"reason": "调解员临时出差"},
        special=READERS_NOT_MEDIATOR,
    ),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/attendance",
        "user",
        frozenset({"citizen"}),
        _session("/attendance"),
        lambda w: {"attending": True},
        special=_forbidden("mediator", "clerk", "judge", "org_admin"),
    ),
    Route(
        "POST",
        f"{MP}/sessions/<uuid:session_id>/held",
        "user",
        MEDIATOR,
        _session("/held", key="past_session"),
        lambda w: {"attended_user_ids": []},
        special=READERS_NOT_MEDIATOR,
    ),
    Route("GET", f"{MP}/me/schedule", "user", USERS),
    Route(
        "GET",
        f"{MP}/mediators/<uuid:mediator_id>/availability",
        "user",
        USERS,
        lambda w: f"/mediators/{w.people['mediator'].id}/availability",
        query=RANGE,
    ),
    Route("POST", f"{MP}/me/unavailability", "user", USERS, body=lambda w: {"from": _at(30), "to": _at(31)}),
    Route("GET", f"{MP}/me/unavailability", "user", USERS),
    Route(
        "DELETE",
        f"{MP}/me/unavailability/<uuid:unavailability_id>",
        "user",
        frozenset({"lawyer"}),
        lambda w: f"/me/unavailability/{w.extra['unavailability'].id}",
    ),
    Route(
        "PUT",
        f"{MP}/me/working-hours",
        "user",
        MEDIATOR,
        body=lambda w: {"hours": [{"weekday": 0, "start": "09:00", "end": "12:00"}]},
        gate="mediator",
    ),
    Route("GET", f"{MP}/me/working-hours", "user", MEDIATOR, gate="mediator"),
    # invitations
    Route(
        "POST",
        f"{MP}/cases/<uuid:case_id>/invitations",
        "user",
        INVITERS,
        _case("/invitations"),
        lambda w: {"role": "respondent"},
        special=_forbidden("citizen", "org_admin"),
    ),
    Route(
        "POST",
        f"{MP}/invitations/<uuid:invitation_id>/revoke",
        "user",
        INVITERS,
        lambda w: f"/invitations/{w.extra['revocable']['invitation_id']}/revoke",
        special=_forbidden("citizen", "org_admin"),
    ),
    Route("POST", f"{MP}/invitations/<string:token>/accept", "user", USERS, _token("/accept"), special=ACCEPT_SPECIAL),
    Route(
        "POST",
        f"{MP}/invitations/by-code/<string:code>/accept",
        "user",
        USERS,
        lambda w: f"/invitations/by-code/{w.extra['invitation']['code']}/accept",
        special=ACCEPT_SPECIAL,
    ),
    Route("GET", f"{MP}/invitations/<string:token>", "public", path=_token(), public_status=200),
    Route("GET", f"{MP}/invitations/<string:token>/qr.png", "public", path=_token("/qr.png"), public_status=200),
    Route("GET", f"{MP}/invitations/<string:token>/qr.svg", "public", path=_token("/qr.svg"), public_status=200),
    # without WECHAT_APPID there is no mini-program code (tests/api/mediation/test_invitations_qr.py covers it)
    Route(
        "GET", f"{MP}/invitations/<string:token>/wxacode.png", "public", path=_token("/wxacode.png"), public_status=404
    ),
    # hearings and courtrooms (court side)
    Route(
        "POST",
        f"{COURT}/cases/<uuid:case_id>/hearings",
        "any",
        COURT_ACTORS,
        lambda w: f"/cases/{w.extra['hearing_case'].id}/hearings",
        _booking,
    ),
    Route(
        "GET",
        f"{COURT}/cases/<uuid:case_id>/hearings",
        "any",
        COURT_ACTORS,
        lambda w: f"/cases/{w.extra['hearing_case'].id}/hearings",
    ),
    Route("GET", f"{COURT}/hearings/<uuid:hearing_id>", "any", COURT_ACTORS, _hearing()),
    Route("POST", f"{COURT}/hearings/<uuid:hearing_id>/postpone", "any", COURT_ACTORS, _hearing("/postpone"), _later),
    Route(
        "POST",
        f"{COURT}/hearings/<uuid:hearing_id>/cancel",
        "any",
        COURT_ACTORS,
        _hearing("/cancel"),
        lambda w: {"reason": "原告撤诉"},
    ),
    Route(
        "POST",
        f"{COURT}/hearings/<uuid:hearing_id>/held",
        "any",
        COURT_ACTORS,
        _hearing("/held", past=True),
        lambda w: {"attendance": [{"user_id": str(w.extra["hearing_case"].filed_by_user_id), "present": True}]},
    ),
    Route("GET", f"{COURT}/hearings", "any", COURT_STAFF, query=RANGE),
    Route(
        "POST",
        f"{COURT}/courtrooms",
        "any",
        ROOM_KEEPERS,
        body=lambda w: {"name": f"第{next(_slots)}法庭"},
        special=_forbidden("judge"),
    ),
    Route("GET", f"{COURT}/courtrooms", "any", COURT_STAFF),
    Route(
        "PATCH",
        f"{COURT}/courtrooms/<uuid:courtroom_id>",
        "any",
        frozenset({"clerk", "machine"}),
        lambda w: f"/courtrooms/{w.extra['courtroom'].id}",
        lambda w: {"location": "二楼"},
        special=_forbidden("judge"),
    ),
]

NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>/sessions": f"/cases/{NONEXISTENT}/sessions",
    f"{MP}/sessions/<uuid:session_id>": f"/sessions/{NONEXISTENT}",
    f"{MP}/sessions/<uuid:session_id>/cancel": f"/sessions/{NONEXISTENT}/cancel",
    f"{MP}/sessions/<uuid:session_id>/attendance": f"/sessions/{NONEXISTENT}/attendance",
    f"{MP}/sessions/<uuid:session_id>/held": f"/sessions/{NONEXISTENT}/held",
    f"{MP}/mediators/<uuid:mediator_id>/availability": f"/mediators/{NONEXISTENT}/availability",
    f"{MP}/me/unavailability/<uuid:unavailability_id>": f"/me/unavailability/{NONEXISTENT}",
    f"{MP}/cases/<uuid:case_id>/invitations": f"/cases/{NONEXISTENT}/invitations",
    f"{MP}/invitations/<uuid:invitation_id>/revoke": f"/invitations/{NONEXISTENT}/revoke",
    f"{MP}/invitations/<string:token>/accept": "/invitations/AAAAAAAAAAAAAAAAAAAAAAAA/accept",
    f"{MP}/invitations/by-code/<string:code>/accept": "/invitations/by-code/AAAAAAAA/accept",
    f"{COURT}/cases/<uuid:case_id>/hearings": f"/cases/{NONEXISTENT}/hearings",
    f"{COURT}/hearings/<uuid:hearing_id>": f"/hearings/{NONEXISTENT}",
    f"{COURT}/hearings/<uuid:hearing_id>/postpone": f"/hearings/{NONEXISTENT}/postpone",
    f"{COURT}/hearings/<uuid:hearing_id>/cancel": f"/hearings/{NONEXISTENT}/cancel",
    f"{COURT}/hearings/<uuid:hearing_id>/held": f"/hearings/{NONEXISTENT}/held",
    f"{COURT}/courtrooms/<uuid:courtroom_id>": f"/courtrooms/{NONEXISTENT}",
}
