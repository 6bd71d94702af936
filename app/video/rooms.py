"""Closing a session's room: when the session is cancelled or moved, or its case ends.

Scheduling calls `on_session_changed` through its session hooks and cases calls `on_case_ended` through its end
hooks (both registered in app/wiring.py), inside the transaction that made the change. Entry is refused from then
on (entry checks the session and the case each time); the case's timeline and the audit log say the room was
closed; after the commit a job asks TRTC to dismiss the room (DismissRoomByStrRoomId), which puts out whoever is
still in it. TRTC down: the job retries with backoff (Celery). A UserSig already handed out cannot be revoked at
TRTC, so a later "entered" callback (103) in a closed room dismisses it again (`is_closed`).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import NamedTuple

from sqlalchemy import JSON, Uuid, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from app.audit import log as audit
from app.cases import Case, end_hooks, timeline
from app.extensions import db
from app.i18n import Message, label, message
from app.platform import settings
from app.scheduling import MediationSession
from app.security.permissions import Principal
from app.utils import clock
from app.video import access, background, entry, trtc_api
from app.video.models import VideoRoom

log = logging.getLogger(__name__)
DISMISS_TASK = "microcourt.video.dismiss_room"
_PENDING = "video.rooms_to_dismiss"
# {case id: {session id: change}}: sessions a case's ending cancelled, whose rooms its end hook closes
_CANCELLED_WITH_CASE = "video.cancelled_with_case"


def on_session_changed(case: Case, session: MediationSession, change: str, actor: Principal | None) -> None:
    """A session was cancelled or moved: close its room, if one was opened (the caller commits).

    A session cancelled because its case is ending (the scheduling end hook runs before this domain's: the order
    of app/wiring.py) is not looked up here: `on_case_ended` reads every room of the case in one statement and
    closes this one as cancelled (issue 18: one statement per cancelled session fewer when a case ends)."""
    if change == "cancelled" and end_hooks.is_ending(case.id):
        db.session.info.setdefault(_CANCELLED_WITH_CASE, {}).setdefault(case.id, {})[session.id] = change
        return
    room = db.session.scalar(_ROOM_OF_SESSION, {"room_session_id": session.id})
    if room is not None:
        close(case, room, f"session {change}", actor)


def on_case_ended(case: Case, status: str, actor: Principal | None) -> None:
    """A case ended: close the room of every session of it (one under way included); a room whose session the
    ending cancelled is closed as cancelled, first, as `on_session_changed` would have.

    The rooms are read once, as plain rows: on PostgreSQL with scheduling's cancellation of the sessions (this
    read is registered in `end_hooks`, app/wiring.py: issue 18, one statement fewer), else here."""
    changed = db.session.info.get(_CANCELLED_WITH_CASE, {}).pop(case.id, {})
    carried = end_hooks.read_value(case.id, READ_NAME)
    if carried is not end_hooks.NOT_READ:
        rooms = [RoomRow(uuid.UUID(session_id), room_id, provider) for session_id, room_id, provider in carried or ()]
    else:
        with db.session.no_autoflush:  # the case's pending change is not what this reads (issue 18: one flush later)
            rooms = [RoomRow(*row) for row in db.session.execute(_ROOMS_OF_CASE, {"room_case_id": case.id})]
    rooms = sorted(rooms, key=lambda room: room.session_id not in changed)  # stable: id order within each group
    for room in rooms:
        why = f"session {changed[room.session_id]}" if room.session_id in changed else f"case ended ({status})"
        close(case, room, why, actor)


class RoomRow(NamedTuple):
    """What closing a room reads of it (`close`), as a plain row (issue 18: no ORM object)."""

    session_id: uuid.UUID
    room_id: str
    provider: str


# Built once (issue 18): every case that ends, and every session cancelled or moved, asks for its rooms.
_ROOM_OF_SESSION = select(VideoRoom).where(VideoRoom.session_id == bindparam("room_session_id"))
_ROOMS_OF_CASE = (
    select(VideoRoom.session_id, VideoRoom.room_id, VideoRoom.provider)
    .where(VideoRoom.case_id == bindparam("room_case_id"))
    .order_by(VideoRoom.id)
)
# The same rooms as one JSON array of [session_id, room_id, provider] in id order, a column of the ending case's
# first statement (PostgreSQL: app/scheduling/ended_case.py), which binds `ended_case_id`.
READ_NAME = "video.rooms"
ROOMS_OF_ENDED_CASE = (
    select(
        func.json_agg(
            aggregate_order_by(
                func.json_build_array(VideoRoom.session_id, VideoRoom.room_id, VideoRoom.provider), VideoRoom.id
            ),
            type_=JSON(),
        )
    )
    .where(VideoRoom.case_id == bindparam("ended_case_id", type_=Uuid))
    .scalar_subquery()
)


def _closed_words(why: str) -> Message:
    """The timeline's words for a closing; `why` stays in the entry's data as written."""
    if why == "session cancelled":
        return message("video room closed: the session was cancelled")
    if why == "session rescheduled":
        return message("video room closed: the session was moved")
    if why.startswith("case ended (") and why.endswith(")"):
        state = label("case.state", why[len("case ended (") : -1])
        return message("video room closed: the case ended (%(state)s)", state=state)
    return message("video room closed: %(why)s", why=why)


def close(case: Case, room: VideoRoom | RoomRow, why: str, actor: Principal | None) -> None:
    """Record the closing (timeline, audit) and dismiss the room at the provider after the commit (once)."""
    pending = db.session.info.setdefault(_PENDING, [])
    if room.room_id in pending:
        return
    pending.append(room.room_id)
    data = {"session_id": str(room.session_id), "room_id": room.room_id, "provider": room.provider, "why": why}
    role = "system" if actor is None else "staff"
    timeline.record(case, "video.room_closed", actor=actor, actor_role=role, summary=_closed_words(why), data=data)
    audit.record("video.room_closed", actor=actor, object_type="session", object_id=room.session_id, details=data)


def is_closed(room: VideoRoom) -> bool:
    """Whether nobody should be in the room now: cancelled, moved out of now, no longer by video, or case ended."""
    session = db.session.get(MediationSession, room.session_id)
    case = db.session.get(Case, room.case_id)
    if session is None or case is None:
        return True
    if access.case_ended(case) or session.status == "cancelled" or session.mode != "video":
        return True
    opens, closes = entry.window(session)
    return not opens <= clock.now() <= closes


def dismiss_later(room_id: str) -> None:
    """Dismiss a room after the current transaction commits (a room found closed outside a hook)."""
    pending = db.session.info.setdefault(_PENDING, [])
    if room_id not in pending:
        pending.append(room_id)


def dismiss(room_id: str) -> str:
    """Ask the provider to dismiss one room: "dismissed", "gone", "skipped" (not a TRTC room); raises when down."""
    room = db.session.scalar(select(VideoRoom).where(VideoRoom.room_id == room_id))
    if room is None or room.provider != "trtc":
        return "skipped"
    config = settings.video()
    if not (config.trtc_api_secret_id and config.trtc_api_secret_key and config.trtc_sdk_app_id):
        log.warning("TRTC room %s not dismissed: TRTC_API_SECRET_ID/KEY are not set", room_id)
        return "skipped"
    creds = trtc_api.Credentials(
        config.trtc_api_secret_id, config.trtc_api_secret_key, config.trtc_api_url, config.trtc_api_region
    )
    outcome = trtc_api.dismiss_room(
        creds,
        sdk_app_id=config.trtc_sdk_app_id,
        room_id=room_id,
        timestamp=int(time.time()),  # TRTC's clock
    )
    data = {"session_id": str(room.session_id), "room_id": room_id, "outcome": outcome}
    audit.record("video.room_dismissed", object_type="session", object_id=room.session_id, details=data)
    db.session.commit()
    return outcome


@event.listens_for(Session, "after_commit")
def _dismiss_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for room_id in session.info.pop(_PENDING, []):
        try:
            background.run(DISMISS_TASK, room_id)
        except Exception:  # never fail the caller's committed change; the next 103 in the room dismisses it again
            log.exception("dismissing video room %s could not be started", room_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)
