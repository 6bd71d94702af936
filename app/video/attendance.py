"""Attendance from the provider: rebuilt from the stored callbacks; no-shows follow; staff correct with a reason.

A participant is present once the provider saw them enter (103) or send media (201-204); time in the room adds up
enter-to-exit (104) spans in event-time order. After the session's end a participant with no event is absent
(a no-show). The mediator, judge or clerk of the session may set anyone's status (present, absent, dial_in,
in_person: the fallback for who could not join by video) with a reason (timeline and audit); a corrected status
is kept when later callbacks arrive (their times still count). Each change is mirrored into scheduling's
attendance row (`attended`), so the session's own view agrees.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import timeline
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.i18n import label, message
from app.scheduling import MediationSession
from app.scheduling import sessions as scheduling_sessions
from app.security.permissions import Principal
from app.utils import clock
from app.video import access
from app.video.models import ATTENDANCE_STATUSES, VideoAttendance, VideoCallback, VideoRoom, VideoRoomMember

ENTER, EXIT = 103, 104
MEDIA = (201, 202, 203, 204)


def _at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def rebuild_for(room: VideoRoom, room_user_id: str) -> VideoAttendance | None:
    """Recompute one member's attendance from every stored event (the caller commits).

    The member's row is locked first: TRTC sends a person's enter and media events at the same moment, and two
    rebuilds at once would both add the attendance row; the second now waits and sees the first's events too.
    """
    member = db.session.scalar(
        select(VideoRoomMember)
        .where(VideoRoomMember.room_id == room.id, VideoRoomMember.room_user_id == room_user_id)
        .with_for_update()
    )
    if member is None:
        return None  # someone we never gave entry to: the callback stays stored, nobody is marked
    events = db.session.execute(
        select(VideoCallback.event_type, VideoCallback.event_ms)
        .where(VideoCallback.room_id == room.room_id, VideoCallback.room_user_id == room_user_id)
        .order_by(VideoCallback.event_ms, VideoCallback.event_type)
    ).all()
    first: int | None = None
    last_left: int | None = None
    since: int | None = None
    seconds = 0
    for kind, ms in events:
        if kind == ENTER or kind in MEDIA:
            first = ms if first is None else min(first, ms)
            since = ms if since is None else since
        elif kind == EXIT and since is not None:
            seconds += max(0, ms - since) // 1000
            since, last_left = None, ms
    if first is None:
        return None
    row = _row(room.session_id, member.user_id)
    row.first_joined_at = _at(first)
    row.last_left_at = _at(last_left) if last_left is not None else None
    row.seconds_in_room = seconds
    if row.corrected_by is None:
        row.status = "present"
    _mirror(room.session_id, member.user_id, member.role, member.party_id, row.status)
    return row


def _row(session_id: uuid.UUID, user_id: uuid.UUID) -> VideoAttendance:
    row = db.session.scalar(
        select(VideoAttendance).where(VideoAttendance.session_id == session_id, VideoAttendance.user_id == user_id)
    )
    if row is None:
        row = VideoAttendance(session_id=session_id, user_id=user_id, status="absent", seconds_in_room=0)
        db.session.add(row)
    return row


def _mirror(session_id: uuid.UUID, user_id: uuid.UUID, role: str, party_id: uuid.UUID | None, status: str) -> None:
    session = db.session.get_one(MediationSession, session_id)
    scheduling_row = scheduling_sessions.attendance_row(session, user_id, role=role, party_id=party_id)
    scheduling_row.attended = status != "absent"


def view(*, session_id: uuid.UUID, actor: Principal) -> list[dict]:
    """Every participant's attendance: present / dial_in / in_person / absent, or expected before the end."""
    session, case, facts = access.load(session_id, actor)
    rows = {
        row.user_id: row
        for row in db.session.scalars(select(VideoAttendance).where(VideoAttendance.session_id == session.id))
    }
    names = access.party_names(case)
    over = clock.now() >= session.ends_at
    result = []
    for person in access.participants(session, case, facts).values():
        row = rows.get(person.user_id)
        status = row.status if row is not None else ("absent" if over else "expected")
        result.append(
            {
                "user_id": person.user_id,
                "role": person.role,
                "party_id": person.party_id,
                "name": names.get(person.party_id) if person.role == "party" and person.party_id else None,
                "status": status,
                "first_joined_at": row.first_joined_at if row else None,
                "last_left_at": row.last_left_at if row else None,
                "seconds_in_room": row.seconds_in_room if row else 0,
                "corrected": bool(row and row.corrected_by),
                "correction_reason": row.correction_reason if row else None,
                "is_me": person.user_id == actor.user_id,
            }
        )
    return result


def correct(*, session_id: uuid.UUID, actor: Principal, user_id: uuid.UUID, status: str, reason: str) -> list[dict]:
    """The session's mediator, judge or clerk sets a participant's attendance, with a reason."""
    session, case, facts = access.load(session_id, actor, lock=True)
    people = access.participants(session, case, facts)
    if not access.is_staff(actor, session, case, facts):
        raise Forbidden("Only the session's mediator, judge or clerk corrects attendance.", reason="video.not_staff")
    person = people.get(user_id)
    if person is None:
        raise ValidationFailed(errors={"user_id": ["Not a participant of this session."]})
    if status not in ATTENDANCE_STATUSES or not reason.strip():
        raise ValidationFailed(errors={"reason": ["A correction needs a status and a reason."]})
    row = _row(session.id, user_id)
    before = row.status
    row.status, row.corrected_by, row.correction_reason = status, actor.user_id, reason.strip()
    _mirror(session.id, user_id, person.role, person.party_id, status)
    summary = message(
        "attendance of a %(role)s corrected: %(before)s -> %(status)s",
        role=label("party.role", person.role),
        before=label("attendance", before),
        status=label("attendance", status),
    )
    data = {"session_id": str(session.id), "role": person.role, "from": before, "to": status}
    role = next((p.role for p in people.values() if p.user_id == actor.user_id), "staff")
    timeline.record(
        case, "video.attendance_corrected", actor=actor, actor_role=role, summary=summary, reason=reason, data=data
    )
    audit.record("video.attendance_corrected", actor=actor, object_type="session", object_id=session.id, details=data)
    db.session.commit()
    return view(session_id=session_id, actor=actor)
