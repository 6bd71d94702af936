"""TRTC's room, media and cloud-recording callbacks: verified, replay-safe, idempotent.

Checks, in order: the SdkAppId header is ours; Sign is base64(HMAC-SHA256(TRTC_CALLBACK_KEY, raw body)); the body
is JSON with EventGroupId, EventType, CallbackTs and EventInfo; CallbackTs lies within VIDEO_CALLBACK_MAX_AGE_SECONDS
(a replayed old callback is refused 401). Each event is stored once (its dedupe key is the hash of the group, type,
room, user, task and event time), so a duplicate is answered 200 and changes nothing; attendance is rebuilt from
every stored event of the user in event-time order, so late and out-of-order events land where they belong.

Events used: 103 enter room, 104 exit room (group 1, room events); 201-204 media events are kept as seen-in-room
evidence; 311 (group 3, recording uploaded to VOD: FileId, VideoUrl) and 310/305 with a file reference register a
recording, copied after the commit by the `microcourt.video.copy_recording` job (in a thread when JOBS_EAGER: the
answer never waits for a download). An "entered" event in a room that is closed (session cancelled or moved, case
ended) dismisses the room again: a UserSig handed out earlier cannot be revoked at TRTC.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import Unauthorized, ValidationFailed
from app.extensions import db
from app.platform import settings
from app.utils import clock
from app.video import attendance, background, recordings, rooms, usersig
from app.video.models import VideoCallback, VideoRoom

ROOM_GROUP, MEDIA_GROUP, RECORDING_GROUP = 1, 2, 3
RECORDING_EVENTS = (305, 310, 311)
COPY_TASK = "microcourt.video.copy_recording"


def receive(*, headers: Mapping[str, str], body: bytes) -> dict:
    """Verify and record one callback; returns {"code": 0, "duplicate": bool}."""
    config = settings.video()
    lower = {k.lower(): v for k, v in headers.items()}
    if not config.trtc_callback_key or str(lower.get("sdkappid", "")).strip() != str(config.trtc_sdk_app_id):
        raise Unauthorized("Unknown application.", reason="video.callback_unknown_app")
    if not usersig.callback_valid(config.trtc_callback_key, body, lower.get("sign")):
        raise Unauthorized("The callback signature does not match.", reason="video.callback_bad_signature")
    event = _parse(body)
    now_ms = int(clock.now().timestamp() * 1000)
    if abs(now_ms - event["callback_ms"]) > config.callback_max_age_seconds * 1000:
        raise Unauthorized("The callback is too old (or from the future).", reason="video.callback_stale")
    row = VideoCallback(
        dedupe_key=event["key"],
        provider="trtc",
        event_group=event["group"],
        event_type=event["type"],
        room_id=event["room_id"],
        room_user_id=event["user_id"],
        event_ms=event["event_ms"],
        payload=event["info"],
        received_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        db.session.rollback()
        return {"code": 0, "duplicate": True}
    room = db.session.scalar(select(VideoRoom).where(VideoRoom.room_id == event["room_id"]))
    queued: uuid.UUID | None = None
    if room is not None:
        if event["group"] in (ROOM_GROUP, MEDIA_GROUP) and event["user_id"]:
            attendance.rebuild_for(room, event["user_id"])
            if event["type"] == attendance.ENTER and rooms.is_closed(room):
                rooms.dismiss_later(room.room_id)  # an old UserSig used after the room closed: put them out again
        elif event["group"] == RECORDING_GROUP and event["type"] in RECORDING_EVENTS:
            queued = recordings.register(room, event["info"])
    db.session.commit()
    if queued is not None:
        background.run(COPY_TASK, str(queued))  # TRTC waits 5 s for the answer: never copy inside the request
    return {"code": 0, "duplicate": False}


def _parse(body: bytes) -> dict:
    try:
        doc = json.loads(body)
        info = doc["EventInfo"]
        group, kind, callback_ms = int(doc["EventGroupId"]), int(doc["EventType"]), int(doc["CallbackTs"])
        room_id = str(info["RoomId"])[:64]
        event_ms = int(info.get("EventMsTs") or int(info.get("EventTs", 0)) * 1000)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ValidationFailed(errors={"body": ["Not a TRTC callback."]}) from None
    if not isinstance(info, dict):
        raise ValidationFailed(errors={"body": ["Not a TRTC callback."]})
    user_id = info.get("UserId")
    user_id = str(user_id)[:64] if user_id else None
    task = str(info.get("TaskId") or "")
    file_id = str((info.get("Payload") or {}).get("FileId") or "") if isinstance(info.get("Payload"), dict) else ""
    basis = f"{group}|{kind}|{room_id}|{user_id}|{task}|{file_id}|{event_ms}"
    key = hashlib.sha256(basis.encode()).hexdigest()
    return {
        "group": group,
        "type": kind,
        "callback_ms": callback_ms,
        "room_id": room_id,
        "user_id": user_id,
        "event_ms": event_ms,
        "info": info,
        "key": key,
    }
