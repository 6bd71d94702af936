"""Video for phones: entering a session's room, attendance, recordings, and the minutes (笔录) to read and sign."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.video import attendance, entry, minutes, minutes_signing, recordings
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.idempotency import idempotent
from miniprogram_api.schemas.video import (
    VideoAttendanceCorrectionIn,
    VideoAttendanceOut,
    VideoEntryOut,
    VideoLinkOut,
    VideoMinutesIn,
    VideoMinutesOut,
    VideoMinutesRefuseIn,
    VideoMinutesSignIn,
    VideoRecordingOut,
)

blp = Blueprint("mp_video", __name__, description="Video rooms, attendance, recordings and minutes of sessions.")


@blp.route("/sessions/<uuid:session_id>/video/entry", methods=["POST"])
@login_required()
@idempotent()
@blp.response(200, VideoEntryOut)
def enter(session_id: uuid.UUID) -> dict:
    """The caller's entry ticket (participants only, real-name verified, inside the session's window)."""
    return entry.enter(session_id=session_id, actor=current_principal())


@blp.route("/sessions/<uuid:session_id>/video/attendance", methods=["GET"])
@login_required()
@blp.response(200, VideoAttendanceOut(many=True))
def attendance_view(session_id: uuid.UUID) -> list:
    """Who was in the room, from the provider's callbacks (no-shows once the session has ended)."""
    return attendance.view(session_id=session_id, actor=current_principal())


@blp.route("/sessions/<uuid:session_id>/video/attendance", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(VideoAttendanceCorrectionIn)
@blp.response(200, VideoAttendanceOut(many=True))
def attendance_correct(payload: dict, session_id: uuid.UUID) -> list:
    """The session's mediator corrects a participant's attendance (dial-in, in person ...) with a reason."""
    return attendance.correct(session_id=session_id, actor=current_principal(), **payload)


@blp.route("/sessions/<uuid:session_id>/video/recordings", methods=["GET"])
@login_required()
@blp.response(200, VideoRecordingOut(many=True))
def recording_list(session_id: uuid.UUID) -> list:
    """The session's recordings (whoever may read the case)."""
    return recordings.of_session(session_id=session_id, actor=current_principal())


@blp.route("/video/recordings/<uuid:recording_id>/link", methods=["POST"])
@login_required()
@blp.response(200, VideoLinkOut)
def recording_link(recording_id: uuid.UUID) -> dict:
    """A short-lived link to watch a stored recording (a custody event)."""
    return recordings.link(recording_id=recording_id, actor=current_principal())


@blp.route("/sessions/<uuid:session_id>/minutes", methods=["GET"])
@login_required()
@blp.response(200, VideoMinutesOut)
def minutes_view(session_id: uuid.UUID) -> dict:
    """The session's minutes, with who has signed or refused."""
    return minutes.view(session_id=session_id, actor=current_principal())


@blp.route("/sessions/<uuid:session_id>/minutes", methods=["PUT"])
@login_required()
@idempotent()
@blp.arguments(VideoMinutesIn)
@blp.response(200, VideoMinutesOut)
def minutes_write(payload: dict, session_id: uuid.UUID) -> dict:
    """The mediator saves the draft (a new version each time)."""
    return minutes.write(session_id=session_id, actor=current_principal(), text=payload["text"])


@blp.route("/sessions/<uuid:session_id>/minutes/signing", methods=["POST"])
@login_required()
@idempotent()
@blp.response(200, VideoMinutesOut)
def minutes_open(session_id: uuid.UUID) -> dict:
    """The mediator closes the draft and asks everyone to sign."""
    return minutes.open_signing(session_id=session_id, actor=current_principal())


@blp.route("/sessions/<uuid:session_id>/minutes/sign", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(VideoMinutesSignIn)
@blp.response(200, VideoMinutesOut)
def minutes_sign(payload: dict, session_id: uuid.UUID) -> dict:
    """Sign the minutes as read (their SHA-256); a party signs in person, real-name verified."""
    return minutes_signing.sign(session_id=session_id, actor=current_principal(), sha256=payload["sha256"])


@blp.route("/sessions/<uuid:session_id>/minutes/refuse", methods=["POST"])
@login_required()
@idempotent()
@blp.arguments(VideoMinutesRefuseIn)
@blp.response(200, VideoMinutesOut)
def minutes_refuse(payload: dict, session_id: uuid.UUID) -> dict:
    """Refuse to sign, with the reason (recorded)."""
    return minutes_signing.refuse(session_id=session_id, actor=current_principal(), **payload)


@blp.route("/sessions/<uuid:session_id>/minutes/pdf", methods=["POST"])
@login_required()
@blp.response(200, VideoLinkOut)
def minutes_pdf(session_id: uuid.UUID) -> dict:
    """A short-lived link to the frozen minutes' PDF."""
    return minutes.pdf_link(session_id=session_id, actor=current_principal())
