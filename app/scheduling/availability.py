"""Availability: mediators' weekly working hours, anyone's declared unavailability, and free-slot search.

Working hours are local Asia/Shanghai times (the zone has no daylight saving, so a weekly window is the
same UTC interval all year). A mediator's time off is their declared unavailability. Free slots are the
working windows minus the mediator's sessions and time off (and, for a case, minus the parties' and
lawyers' sessions and unavailability), cut into slots of the requested length.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, select

from app.cases import access as case_access
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.identity import OrgMembership
from app.mediation import MediatorProfile
from app.platform import settings
from app.scheduling import conflicts as conflicts
from app.scheduling.models import Unavailability, WorkingHours
from app.scheduling.queries import check_range
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

MAX_UNAVAILABLE_DAYS = 366
MAX_SLOTS = 1000
SLOT_GRID = dt.timedelta(minutes=15)


def set_working_hours(*, actor: Principal, hours: list[dict]) -> list[dict]:
    """Replace the caller's weekly working hours (mediators only)."""
    me = _require_mediator(actor)
    windows = sorted((h["weekday"], _minutes(h["start"], "start"), _minutes(h["end"], "end")) for h in hours)
    for number, (weekday, start, end) in enumerate(windows):
        if start >= end:
            raise ValidationFailed(errors={"hours": [f"{_day(weekday)}: start must be before end."]})
        if number and windows[number - 1][0] == weekday and windows[number - 1][2] > start:
            raise ValidationFailed(errors={"hours": [f"{_day(weekday)}: windows overlap."]})
    db.session.execute(delete(WorkingHours).where(WorkingHours.user_id == me))
    for weekday, start, end in windows:
        db.session.add(WorkingHours(user_id=me, weekday=weekday, start_minute=start, end_minute=end))
    db.session.commit()
    return working_hours(actor=actor)


def working_hours(*, actor: Principal) -> list[dict]:
    """The caller's weekly working hours (mediators only)."""
    return [_hours_view(row) for row in _hours_of(_require_mediator(actor))]


def _require_mediator(actor: Principal) -> uuid.UUID:
    """The caller's user id if they keep working hours; 403 otherwise."""
    if not permissions.keeps_working_hours(actor) or actor.user_id is None:  # a mediator is a person: has an id
        raise Forbidden("Only mediators keep working hours.", reason="schedule.not_a_mediator")
    return actor.user_id


def _hours_of(user_id: uuid.UUID) -> list[WorkingHours]:
    query = select(WorkingHours).where(WorkingHours.user_id == user_id)
    return list(db.session.scalars(query.order_by(WorkingHours.weekday, WorkingHours.start_minute)))


def _hours_view(row: WorkingHours) -> dict:
    return {"weekday": row.weekday, "start": _clock_text(row.start_minute), "end": _clock_text(row.end_minute)}


def _minutes(text: str, field: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if value > 1440:
        raise ValidationFailed(errors={"hours": [f"{field} must be between 00:00 and 24:00."]})
    return value


def _clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day(weekday: int) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[weekday]


def add_unavailability(
    *, actor: Principal, starts_at: dt.datetime, ends_at: dt.datetime, reason: str | None
) -> Unavailability:
    """Declare a period the caller cannot attend (a mediator's time off, a party's or lawyer's dates)."""
    start, end = clock.as_utc(starts_at), clock.as_utc(ends_at)
    if end <= start:
        raise ValidationFailed(errors={"to": ["Must be after from."]})
    if end <= clock.now():
        raise ValidationFailed(errors={"to": ["Must be in the future."]})
    if end - start > dt.timedelta(days=MAX_UNAVAILABLE_DAYS):
        raise ValidationFailed(errors={"to": [f"A period lasts at most {MAX_UNAVAILABLE_DAYS} days."]})
    me = actor.user_id
    assert me is not None  # only people reach this (the route takes user tokens): a person has an id
    conflicts.lock([me])  # a booking checking this person's calendar waits for us, and we for it
    row = Unavailability(user_id=me, starts_at=start, ends_at=end, reason=reason)
    db.session.add(row)
    db.session.commit()
    return row


def list_unavailability(*, actor: Principal) -> list[Unavailability]:
    """The caller's periods that are not over yet, earliest first."""
    query = select(Unavailability).where(Unavailability.user_id == actor.user_id, Unavailability.ends_at > clock.now())
    return list(db.session.scalars(query.order_by(Unavailability.starts_at)))


def delete_unavailability(*, actor: Principal, unavailability_id: uuid.UUID) -> None:
    """Withdraw one of the caller's own periods (someone else's answers 404)."""
    row = db.session.get(Unavailability, unavailability_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("No such period.", reason="unavailability.not_found")
    db.session.delete(row)
    db.session.commit()


def free_slots(
    *,
    actor: Principal,
    mediator_id: uuid.UUID,
    starts: dt.datetime | None,
    ends: dt.datetime | None,
    slot_minutes: int | None = None,
    case_id: uuid.UUID | None = None,
) -> dict:
    """Slots in the mediator's working hours where the mediator (and, for a case, everyone in it) is free."""
    mediator_user_id = _mediator_user(mediator_id)
    start, end = check_range(starts, ends)
    length = dt.timedelta(minutes=slot_minutes or settings.scheduling().slot_minutes)
    people = {mediator_user_id}
    if case_id is not None:
        case, facts = case_access.load(case_id, actor=actor)
        people |= {p.user_id for p in conflicts.participants(case, facts)}
    earliest = max(start, _round_up(clock.now()))
    free = _subtract(_windows(mediator_user_id, earliest, end), conflicts.busy(people, earliest, end))
    slots = [{"starts_at": a, "ends_at": b} for a, b in _cut(free, length)][:MAX_SLOTS]
    return {"mediator_id": mediator_id, "slot_minutes": int(length.total_seconds() // 60), "slots": slots}


def _mediator_user(mediator_id: uuid.UUID) -> uuid.UUID:
    """The user behind a directory entry (MediatorProfile id) or a mediator's own user id; 404 otherwise."""
    profile = db.session.get(MediatorProfile, mediator_id)
    user_id = profile.user_id if profile is not None else mediator_id
    membership = db.session.scalar(
        select(OrgMembership.id)
        .where(OrgMembership.user_id == user_id, OrgMembership.role == "mediator", OrgMembership.active.is_(True))
        .limit(1)
    )
    if membership is None:
        raise NotFound("No such mediator.", reason="mediator.not_found")
    return user_id


def _round_up(value: dt.datetime) -> dt.datetime:
    """Up to the next quarter hour, so slots start at times people would say aloud."""
    midnight = value.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = -(-(value - midnight) // SLOT_GRID)
    return midnight + steps * SLOT_GRID


def _windows(user_id: uuid.UUID, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The mediator's working windows intersected with [start, end), in UTC, in order."""
    if start >= end:
        return []
    hours = _hours_of(user_id)
    day = start.astimezone(clock.SHANGHAI).date()
    last = end.astimezone(clock.SHANGHAI).date()
    windows: list[tuple[dt.datetime, dt.datetime]] = []
    while day <= last:
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=clock.SHANGHAI)
        for row in (h for h in hours if h.weekday == day.weekday()):
            a = (midnight + dt.timedelta(minutes=row.start_minute)).astimezone(dt.UTC)
            b = (midnight + dt.timedelta(minutes=row.end_minute)).astimezone(dt.UTC)
            if max(a, start) < min(b, end):
                windows.append((max(a, start), min(b, end)))
        day += dt.timedelta(days=1)
    return windows


def _subtract(
    windows: list[tuple[dt.datetime, dt.datetime]], busy: list[conflicts.Busy]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Windows minus busy intervals (half-open: touching intervals leave the window whole)."""
    blocked = sorted((item.starts_at, item.ends_at) for item in busy)
    free: list[tuple[dt.datetime, dt.datetime]] = []
    for a, b in windows:
        cursor = a
        for s, e in blocked:
            if e <= cursor or s >= b:
                continue
            if s > cursor:
                free.append((cursor, s))
            cursor = max(cursor, e)
        if cursor < b:
            free.append((cursor, b))
    return free


def _cut(free: list[tuple[dt.datetime, dt.datetime]], length: dt.timedelta) -> list[tuple[dt.datetime, dt.datetime]]:
    slots: list[tuple[dt.datetime, dt.datetime]] = []
    for a, b in free:
        while a + length <= b and len(slots) < MAX_SLOTS:
            slots.append((a, a + length))
            a += length
    return slots
