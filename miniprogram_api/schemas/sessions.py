"""Scheduling payloads: sessions, attendance, the caller's schedule, free slots, unavailability, working hours.

Times are accepted only with an offset (a naive time is a 422) and always returned in Asia/Shanghai (+08:00).
"""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, fields, validate, validates_schema

from app.utils.clock import SHANGHAI
from miniprogram_api.schemas.base import InSchema, OutSchema

MODES = ("video", "phone", "in_person")
CLOCK_TIME = validate.Regexp(
    r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", error="A local time such as 09:00 (24:00 ends a day)."
)


class ShanghaiDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset in; Asia/Shanghai (+08:00) out."""

    def _serialize(
        self, value: dt.datetime | None, attr: str | None, obj: object, **kwargs: object
    ) -> str | float | None:  # float: marshmallow's timestamp formats (not used here)
        if value is None:
            return None
        return super()._serialize(value.astimezone(SHANGHAI), attr, obj, **kwargs)


class SessionCreateIn(InSchema):
    """A session to book."""

    starts_at = ShanghaiDateTime(required=True)
    ends_at = ShanghaiDateTime(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    location = fields.String(validate=validate.Length(min=1, max=255))
    meeting_url = fields.Url(schemes={"https"}, validate=validate.Length(max=500))


class SessionUpdateIn(InSchema):
    """What to change about a session (at least one field)."""

    starts_at = ShanghaiDateTime()
    ends_at = ShanghaiDateTime()
    mode = fields.String(validate=validate.OneOf(MODES))
    location = fields.String(validate=validate.Length(min=1, max=255))
    meeting_url = fields.Url(schemes={"https"}, validate=validate.Length(max=500))

    @validates_schema
    def _not_empty(self, data: dict, **_kwargs: object) -> None:
        if not data:
            raise ValidationError("Change at least one field.", field_name="_schema")


class SessionCancelIn(InSchema):
    """Why the session is cancelled."""

    reason = fields.String(validate=validate.Length(max=2000))


class AttendanceIn(InSchema):
    """A party's answer."""

    attending = fields.Boolean(load_default=True)
    note = fields.String(validate=validate.Length(max=500))


class HeldIn(InSchema):
    """Who attended the session that took place; omitted for a video session, the provider's attendance stands."""

    attended_user_ids = fields.List(
        fields.UUID(),
        load_default=None,
        validate=validate.Length(max=200),
        metadata={
            "description": "Who attended. Omitted: a video session keeps the attendance from the provider "
            "(present, dial-in and in-person count); any other session has nobody attended."
        },
    )


class AttendanceOut(OutSchema):
    """One participant's answer and attendance."""

    party_id = fields.UUID(allow_none=True)
    role = fields.String(required=True)
    attending = fields.Boolean(allow_none=True)
    confirmed_at = ShanghaiDateTime(allow_none=True)
    attended = fields.Boolean(allow_none=True)
    is_me = fields.Boolean(required=True)


class SessionBaseOut(OutSchema):
    """A session."""

    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    kind = fields.String(
        required=True, metadata={"description": "mediation, hearing (庭审) or pretrial_meeting (庭前会议)"}
    )
    courtroom_id = fields.UUID(allow_none=True, metadata={"description": "A hearing's courtroom (in person)."})
    mediator_user_id = fields.UUID(allow_none=True, metadata={"description": "None for a hearing."})
    starts_at = ShanghaiDateTime(required=True)
    ends_at = ShanghaiDateTime(required=True)
    mode = fields.String(required=True)
    location = fields.String(allow_none=True)
    meeting_url = fields.String(allow_none=True)
    status = fields.String(required=True)
    created_at = ShanghaiDateTime(required=True)
    cancelled_at = ShanghaiDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    held_at = ShanghaiDateTime(allow_none=True)
    my_role = fields.String(required=True)


class SessionOut(SessionBaseOut):
    """A session with everyone's attendance."""

    attendance = fields.List(fields.Nested(AttendanceOut), required=True)


class ScheduleItemOut(SessionBaseOut):
    """A session in the caller's schedule."""

    case_title = fields.String(required=True)


class RangeArgs(InSchema):
    """A time range (default: from now, 30 days)."""

    starts = ShanghaiDateTime(data_key="from")
    ends = ShanghaiDateTime(data_key="to")


class ScheduleOut(OutSchema):
    """The caller's sessions in a range."""

    starts = ShanghaiDateTime(data_key="from", attribute="from", required=True)
    ends = ShanghaiDateTime(data_key="to", attribute="to", required=True)
    items = fields.List(fields.Nested(ScheduleItemOut), required=True)


class AvailabilityArgs(RangeArgs):
    """Free-slot search: range, slot length, and optionally a case whose people must all be free."""

    slot_minutes = fields.Integer(validate=validate.Range(min=15, max=480))
    case_id = fields.UUID()


class SlotOut(OutSchema):
    """A free slot."""

    starts_at = ShanghaiDateTime(required=True)
    ends_at = ShanghaiDateTime(required=True)


class AvailabilityOut(OutSchema):
    """Free slots of a mediator."""

    mediator_id = fields.UUID(required=True)
    slot_minutes = fields.Integer(required=True)
    slots = fields.List(fields.Nested(SlotOut), required=True)


class UnavailabilityIn(InSchema):
    """A period the caller cannot attend."""

    starts_at = ShanghaiDateTime(data_key="from", required=True)
    ends_at = ShanghaiDateTime(data_key="to", required=True)
    reason = fields.String(validate=validate.Length(max=200))


class UnavailabilityOut(OutSchema):
    """A declared period."""

    id = fields.UUID(required=True)
    starts_at = ShanghaiDateTime(data_key="from", required=True)
    ends_at = ShanghaiDateTime(data_key="to", required=True)
    reason = fields.String(allow_none=True)
    created_at = ShanghaiDateTime(required=True)


class WindowIn(InSchema):
    """A weekly window: weekday 0 (Monday) to 6 (Sunday), local start and end."""

    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=6))
    start = fields.String(required=True, validate=CLOCK_TIME)
    end = fields.String(required=True, validate=CLOCK_TIME)


class WorkingHoursIn(InSchema):
    """The whole week (replaces what was there)."""

    hours = fields.List(fields.Nested(WindowIn), required=True, validate=validate.Length(max=50))


class WindowOut(OutSchema):
    """A weekly window."""

    weekday = fields.Integer(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)


class WorkingHoursOut(OutSchema):
    """The caller's week (Asia/Shanghai local times)."""

    time_zone = fields.String(required=True)
    hours = fields.List(fields.Nested(WindowOut), required=True)
