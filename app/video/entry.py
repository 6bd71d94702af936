"""Entering a session's video room: a ticket only for the case's verified participants, inside the window.

Window: from VIDEO_EARLY_ENTRY_MINUTES before the start until VIDEO_GRACE_MINUTES after the end. The room user id
is derived from the account (usersig.room_user_id), never chosen by the phone; the UserSig lives until the window
closes (at most VIDEO_USERSIG_MAX_SECONDS). Strangers get 404; readers of the case who do not take part 403;
ended cases, cancelled or held sessions and sessions not held by video 409.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.errors import Conflict, Forbidden
from app.extensions import db
from app.identity import User
from app.platform import settings
from app.scheduling import MediationSession
from app.security.permissions import Principal
from app.utils import clock
from app.video import access, providers, usersig
from app.video.models import VideoRoom, VideoRoomMember


def window(session: MediationSession) -> tuple[dt.datetime, dt.datetime]:
    """When entry opens and closes for a session."""
    config = settings.video()
    return (
        session.starts_at - dt.timedelta(minutes=config.early_entry_minutes),
        session.ends_at + dt.timedelta(minutes=config.grace_minutes),
    )


def enter(*, session_id: uuid.UUID, actor: Principal) -> dict:
    """Issue the caller's entry ticket for the session's room (and record them as the room's member)."""
    session, case, facts = access.load(session_id, actor)
    person = access.participants(session, case, facts).get(actor.user_id) if actor.user_id else None
    if person is None:
        raise Forbidden("Only the session's participants enter its video room.", reason="video.not_a_participant")
    user = db.session.get_one(User, person.user_id)
    if person.role in ("party", "lawyer") and (user.verification_status != "verified" or not user.real_name):
        raise Forbidden("Verify your real name before entering.", reason="video.identity_not_verified")
    _require_open(session, case)
    opens, closes = window(session)
    now = clock.now()
    if now < opens:
        raise Conflict("The room is not open yet.", reason="video.too_early", errors={"opens_at": [opens.isoformat()]})
    if now > closes:
        raise Conflict("The room has closed.", reason="video.window_closed")
    provider = providers.for_court(case.court_id)
    if not provider.has_rooms and not session.meeting_url:
        raise Conflict("The session has no meeting link.", reason="video.no_meeting_url")
    room = room_of(session, provider.name)
    member = _member(room, person)
    member.entries_issued += 1
    expires_in = max(60, min(int((closes - now).total_seconds()), settings.video().usersig_max_seconds))
    ticket = provider.ticket(
        room_id=room.room_id,
        room_user_id=member.room_user_id,
        meeting_url=session.meeting_url,
        expires_in=expires_in,
        now=int(now.timestamp()),
    )
    audit.record(
        "video.entry_issued",
        actor=actor,
        object_type="session",
        object_id=session.id,
        details={"provider": provider.name, "role": person.role, "room_user_id": member.room_user_id},
    )
    db.session.commit()
    return {
        "session_id": session.id,
        "provider": ticket.provider,
        "room_id": ticket.room_id,
        "room_user_id": ticket.room_user_id,
        "sdk_app_id": ticket.sdk_app_id,
        "user_sig": ticket.user_sig,
        "meeting_url": ticket.meeting_url,
        "expires_at": now + dt.timedelta(seconds=ticket.expires_in),
        "role": person.role,
        "opens_at": opens,
        "closes_at": closes,
    }


def _require_open(session: MediationSession, case) -> None:
    if access.case_ended(case):
        raise Conflict("The case has ended.", reason="video.case_ended", errors={"status": [case.status]})
    if session.status != "scheduled":
        raise Conflict(
            f"The session is {session.status}.", reason="video.session_closed", errors={"status": [session.status]}
        )
    if session.mode != "video":
        raise Conflict("The session is not held by video.", reason="video.not_online", errors={"mode": [session.mode]})


def room_of(session: MediationSession, provider: str) -> VideoRoom:
    """The session's room, made once (a concurrent first entry finds the other's row)."""
    room = db.session.scalar(select(VideoRoom).where(VideoRoom.session_id == session.id))
    if room is not None:
        return room
    room = VideoRoom(
        session_id=session.id, case_id=session.case_id, provider=provider, room_id=usersig.room_id_for(session.id)
    )
    try:
        with db.session.begin_nested():
            db.session.add(room)
    except IntegrityError:
        room = db.session.scalars(select(VideoRoom).where(VideoRoom.session_id == session.id)).one()
    return room


def _member(room: VideoRoom, person: access.Person) -> VideoRoomMember:
    member = db.session.scalar(
        select(VideoRoomMember).where(VideoRoomMember.room_id == room.id, VideoRoomMember.user_id == person.user_id)
    )
    if member is not None:
        return member
    member = VideoRoomMember(
        room_id=room.id,
        user_id=person.user_id,
        room_user_id=usersig.room_user_id(providers.room_user_secret(), person.user_id),
        role=person.role,
        party_id=person.party_id,
        entries_issued=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:
        member = db.session.scalars(
            select(VideoRoomMember).where(VideoRoomMember.room_id == room.id, VideoRoomMember.user_id == person.user_id)
        ).one()
    return member
