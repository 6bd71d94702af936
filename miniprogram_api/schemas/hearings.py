"""Hearing and courtroom payloads (court side): booking, postponement, cancellation, attendance, the calendar.

Times are accepted only with an offset and returned in Asia/Shanghai (+08:00), as for mediation sessions.
"""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.sessions import RangeArgs, ShanghaiDateTime

KINDS = ("hearing", "pretrial_meeting")
MODES = ("in_person", "video")
REASON = validate.Length(min=1, max=2000)


class HearingCreateIn(InSchema):
    """A hearing or pre-trial meeting to book: in person at a courtroom, or online at a meeting URL."""

    kind = fields.String(load_default="hearing", validate=validate.OneOf(KINDS))
    starts_at = ShanghaiDateTime(required=True)
    ends_at = ShanghaiDateTime(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    courtroom_id = fields.UUID()
    meeting_url = fields.Url(schemes={"https"}, validate=validate.Length(max=500))
    judge_user_id = fields.UUID(metadata={"description": "The presiding judge (default: the caller, if a judge)."})
    clerk_user_id = fields.UUID(metadata={"description": "The clerk (default: the caller, if a clerk)."})


class HearingPostponeIn(InSchema):
    """延期开庭: the new time, the reason, and optionally a new place."""

    reason = fields.String(required=True, validate=REASON)
    starts_at = ShanghaiDateTime(required=True)
    ends_at = ShanghaiDateTime(required=True)
    mode = fields.String(validate=validate.OneOf(MODES))
    courtroom_id = fields.UUID()
    meeting_url = fields.Url(schemes={"https"}, validate=validate.Length(max=500))


class HearingCancelIn(InSchema):
    """Why the hearing is cancelled."""

    reason = fields.String(required=True, validate=REASON)


class PresenceIn(InSchema):
    """One participant present or absent."""

    user_id = fields.UUID(required=True)
    present = fields.Boolean(required=True)


class HearingHeldIn(InSchema):
    """Who was present (participants not listed are recorded absent) and a note for the record."""

    attendance = fields.List(fields.Nested(PresenceIn), load_default=list, validate=validate.Length(max=200))
    note = fields.String(validate=validate.Length(max=2000))


class CalendarArgs(RangeArgs):
    """The court's calendar: a range (default from now, 30 days), one judge or courtroom."""

    judge_user_id = fields.UUID()
    courtroom_id = fields.UUID()
    include_cancelled = fields.Boolean(load_default=False)


class PostponementOut(OutSchema):
    """One postponement."""

    at = fields.String(required=True)
    reason = fields.String(required=True)
    from_ = fields.String(data_key="from", attribute="from", required=True)
    to = fields.String(required=True)


class HearingBaseOut(OutSchema):
    """A hearing or pre-trial meeting."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_number = fields.String(allow_none=True)
    case_title = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    starts_at = ShanghaiDateTime(required=True)
    ends_at = ShanghaiDateTime(required=True)
    mode = fields.String(required=True)
    courtroom_id = fields.UUID(allow_none=True)
    location = fields.String(allow_none=True)
    meeting_url = fields.String(allow_none=True)
    judge_user_id = fields.UUID(allow_none=True)
    clerk_user_id = fields.UUID(allow_none=True)
    created_at = ShanghaiDateTime(required=True)
    cancelled_at = ShanghaiDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    held_at = ShanghaiDateTime(allow_none=True)
    postponements = fields.List(fields.Nested(PostponementOut), required=True)


class HearingAttendanceOut(OutSchema):
    """A participant's answer and, once held, presence; an absent party's possible consequence."""

    user_id = fields.UUID(required=True)
    party_id = fields.UUID(allow_none=True)
    role = fields.String(required=True)
    attending = fields.Boolean(allow_none=True)
    attended = fields.Boolean(allow_none=True)
    consequence = fields.String(allow_none=True)


class SummonsOut(OutSchema):
    """A summons served (document_id) or that could not be made (error)."""

    party_id = fields.UUID(required=True)
    round = fields.Integer(required=True)
    document_id = fields.UUID(allow_none=True)
    error = fields.String(allow_none=True)


class HearingOut(HearingBaseOut):
    """A hearing with attendance and summons."""

    attendance = fields.List(fields.Nested(HearingAttendanceOut), required=True)
    summons = fields.List(fields.Nested(SummonsOut), required=True)


class CalendarOut(OutSchema):
    """The court's hearings in a range."""

    starts = ShanghaiDateTime(data_key="from", attribute="from", required=True)
    ends = ShanghaiDateTime(data_key="to", attribute="to", required=True)
    items = fields.List(fields.Nested(HearingBaseOut), required=True)


class CourtroomIn(InSchema):
    """A courtroom to add (court_id: needed only by staff of several courts)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    location = fields.String(validate=validate.Length(max=255))
    court_id = fields.UUID()


class CourtroomUpdateIn(InSchema):
    """What to change about a courtroom."""

    name = fields.String(validate=validate.Length(min=1, max=120))
    location = fields.String(allow_none=True, validate=validate.Length(max=255))
    active = fields.Boolean()


class CourtroomArgs(InSchema):
    """Filter the list."""

    court_id = fields.UUID()
    active = fields.Boolean()


class CourtroomOut(OutSchema):
    """A courtroom."""

    id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    name = fields.String(required=True)
    location = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    created_at = ShanghaiDateTime(required=True)
