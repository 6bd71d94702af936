"""Video payloads: the entry ticket, attendance, recordings, minutes (笔录) and the provider's callback answer."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.sessions import ShanghaiDateTime

ATTENDANCE = ("present", "absent", "dial_in", "in_person")
SHA256 = validate.Regexp(r"^[0-9a-fA-F]{64}$", error="A SHA-256 in hex.")


class VideoEntryOut(OutSchema):
    """What the phone needs to enter: TRTC's room, user id, SDKAppID and UserSig, or the court's own link."""

    session_id = fields.UUID(required=True)
    provider = fields.String(required=True, metadata={"description": "trtc | external"})
    room_id = fields.String(allow_none=True, metadata={"description": "TRTC strRoomId"})
    room_user_id = fields.String(allow_none=True, metadata={"description": "the caller's id in the room"})
    sdk_app_id = fields.Integer(allow_none=True)
    user_sig = fields.String(allow_none=True)
    meeting_url = fields.String(allow_none=True, metadata={"description": "external provider only"})
    expires_at = ShanghaiDateTime(required=True)
    role = fields.String(required=True)
    opens_at = ShanghaiDateTime(required=True)
    closes_at = ShanghaiDateTime(required=True)


class VideoAttendanceOut(OutSchema):
    """One participant's attendance as the provider saw it (or as corrected)."""

    user_id = fields.UUID(required=True)
    role = fields.String(required=True)
    party_id = fields.UUID(allow_none=True)
    name = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": "expected | present | absent | dial_in | in_person"})
    first_joined_at = ShanghaiDateTime(allow_none=True)
    last_left_at = ShanghaiDateTime(allow_none=True)
    seconds_in_room = fields.Integer(required=True)
    corrected = fields.Boolean(required=True)
    correction_reason = fields.String(allow_none=True)
    is_me = fields.Boolean(required=True)


class VideoAttendanceCorrectionIn(InSchema):
    """A correction by the session's mediator, judge or clerk."""

    user_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class VideoRecordingOut(OutSchema):
    """A recording: the provider's reference and our copy."""

    id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    provider = fields.String(required=True)
    file_id = fields.String(required=True)
    duration_seconds = fields.Integer(allow_none=True)
    provider_size = fields.Integer(allow_none=True)
    provider_hash = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": "pending | copying | stored | failed | expired"})
    sha256 = fields.String(allow_none=True)
    size_bytes = fields.Integer(allow_none=True)
    stored_at = ShanghaiDateTime(allow_none=True)
    expires_at = ShanghaiDateTime(allow_none=True)
    error = fields.String(allow_none=True)


class VideoLinkOut(OutSchema):
    """A short-lived download link."""

    url = fields.String(required=True)
    expires_at = ShanghaiDateTime(required=True)
    sha256 = fields.String(allow_none=True)


class VideoMinutesIn(InSchema):
    """The minutes' text (a new version)."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=50_000))


class VideoMinutesSignIn(InSchema):
    """The SHA-256 of the text the signer read."""

    sha256 = fields.String(required=True, validate=SHA256)


class VideoMinutesRefuseIn(VideoMinutesSignIn):
    """A refusal to sign, with its reason."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class VideoSignatureOut(OutSchema):
    """A signature or refusal."""

    role = fields.String(required=True)
    decision = fields.String(required=True, metadata={"description": "signed | refused"})
    reason = fields.String(allow_none=True)
    at = ShanghaiDateTime(required=True)
    is_me = fields.Boolean(required=True)


class VideoMinutesOut(OutSchema):
    """The minutes of a session."""

    id = fields.UUID(required=True)
    session_id = fields.UUID(required=True)
    status = fields.String(required=True, metadata={"description": "draft | signing | frozen"})
    version = fields.Integer(required=True)
    text = fields.String(required=True)
    sha256 = fields.String(required=True)
    frozen_at = ShanghaiDateTime(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)
    required_signers = fields.Integer(required=True)
    must_sign = fields.Boolean(required=True)
    my_decision = fields.String(allow_none=True)
    signatures = fields.List(fields.Nested(VideoSignatureOut), required=True)


class VideoCallbackOut(OutSchema):
    """TRTC's expected answer ({"code": 0}); `duplicate` says the event was already recorded."""

    code = fields.Integer(required=True)
    duplicate = fields.Boolean(required=True)
