"""Session reminders: rows written with the booking, handed to the notification path when due, exactly once.

Each participant gets one reminder per SESSION_REMINDER_OFFSETS entry (e.g. 24 h and 1 h before). A
reschedule cancels the pending ones and writes new ones; a cancellation cancels them. The periodic job
claims a due row with an atomic UPDATE (pending -> notified) in the same transaction that writes the
notification, so a reminder becomes exactly one notification even when two sweeps overlap.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, bindparam, insert, inspect, select, update

from app.cases import Case
from app.extensions import db
from app.notifications import dispatch as notifications
from app.platform import pending_rows, settings
from app.scheduling import hearing_events  # noqa: F401 - registers the hearing_reminder kind
from app.scheduling.models import MediationSession, SessionReminder
from app.utils import clock
from app.utils.ids import new_id
from config import parse_offsets

log = logging.getLogger(__name__)


def offsets_minutes() -> list[int]:
    """The configured reminder offsets in minutes, largest first."""
    return parse_offsets(settings.scheduling().reminder_offsets)


def schedule(session: MediationSession, user_ids: Iterable[uuid.UUID], *, queue: bool = False) -> int:
    """Write the reminders of a session in the caller's transaction; offsets already past are skipped. `queue`:
    the rows wait for the caller's flush or commit instead (app/platform/pending_rows.py, after the session's row),
    where on PostgreSQL they go out in one statement with the other rows waiting (the timeline entries).

    One Core INSERT of plain rows (built once), sent now (issue 18): nothing in the request reads the reminders
    back as objects, and the unit of work's bookkeeping of one ORM object per reminder cost more CPU than the
    INSERT. The ids and timestamps are given here as IdMixin and TimestampMixin would. The session's row must be
    in the database first (a foreign key): it is flushed here if the caller has not; nothing else is flushed.
    """
    now = clock.now()
    due = due_of(session.starts_at, user_ids, now)
    if not due:
        return 0
    if queue:
        for row in rows_of(session.id, due, now):
            pending_rows.add(db.session(), _INSERT_REMINDERS, pending_rows.Values(row), owner=session)
        return len(due)
    if session.id is None or inspect(session).pending:  # not flushed yet: its row first
        db.session.flush()
    return write(session.id, due, now)


def rows_of(session_id: uuid.UUID, due: list[tuple[uuid.UUID, int, dt.datetime]], now: dt.datetime) -> list[dict]:
    """The reminder rows `due` (`due_of`'s) of the session, as the parameters of the reminders' INSERT."""
    return [
        {
            "id": new_id(),
            "created_at": now,
            "updated_at": now,
            "session_id": session_id,
            "user_id": user_id,
            "remind_at": remind_at,
            "offset_minutes": minutes,
            "status": "pending",
            "notification_id": None,
        }
        for user_id, minutes, remind_at in due
    ]


def write(session_id: uuid.UUID, due: list[tuple[uuid.UUID, int, dt.datetime]], now: dt.datetime) -> int:
    """INSERT the reminders `due` (`due_of`'s) of the session, whose row is in the database; nothing is flushed."""
    rows = rows_of(session_id, due, now)
    if rows:
        with db.session.no_autoflush:  # a Core statement autoflushes too: the caller's other writes wait for its flush
            db.session.execute(_INSERT_REMINDERS, rows)
    return len(rows)


def due_of(
    starts_at: dt.datetime, user_ids: Iterable[uuid.UUID], now: dt.datetime
) -> list[tuple[uuid.UUID, int, dt.datetime]]:
    """The reminders a session starting at `starts_at` owes these people: (user, offset in minutes, when), in user
    order, largest offset first; offsets already past are skipped."""
    offsets = offsets_minutes()
    return [
        (user_id, minutes, remind_at)
        for user_id in sorted(set(user_ids))
        for minutes in offsets
        if (remind_at := starts_at - dt.timedelta(minutes=minutes)) > now
    ]


def add_participant(case_id: uuid.UUID, user_id: uuid.UUID, *, ahead: Iterable[MediationSession] | None = None) -> int:
    """Someone joined the case (an accepted invitation): remind them of its sessions still ahead (`ahead`: those
    sessions, when the caller has read them with `AHEAD_CONDITIONS` under the case's lock)."""
    sessions = ahead if ahead is not None else db.session.scalars(_AHEAD, {"case_id": case_id, "now": clock.now()})
    return sum(schedule(session, [user_id], queue=True) for session in sessions)


def cancel_pending(session: MediationSession) -> int:
    """Cancel the reminders of a session that have not been handed over yet."""
    result = db.session.execute(_CANCEL_PENDING, {"cancelled_session_id": session.id})
    return result.rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; typed as Result


def cancel_pending_of_case(case_id: uuid.UUID) -> Counter[uuid.UUID]:
    """Cancel every reminder of the case's sessions that has not been handed over yet; how many, per session
    (one UPDATE ... RETURNING for all the sessions)."""
    return Counter(db.session.execute(_CANCEL_PENDING_OF_CASE, {"ended_case_id": case_id}).scalars())


# Built once (issue 18): a case's sessions still ahead; the pending reminders of a session, of a case cancelled;
# new reminders, as plain rows (executemany).
AHEAD_CONDITIONS = (MediationSession.status == "scheduled", MediationSession.starts_at > bindparam("now"))
_AHEAD = select(MediationSession).where(MediationSession.case_id == bindparam("case_id"), *AHEAD_CONDITIONS)
# The UPDATEs are Core statements on the tables (not ORM-enabled): no ORM bulk-update bookkeeping (nothing they
# change is held as an object). Like the ORM ones they autoflush (SQLAlchemy 2.1 autoflushes Core statements too).
_REMINDERS = cast(Table, SessionReminder.__table__)
_SESSIONS = cast(Table, MediationSession.__table__)
_CANCEL_PENDING = (
    update(_REMINDERS)
    .where(_REMINDERS.c.session_id == bindparam("cancelled_session_id"), _REMINDERS.c.status == "pending")
    .values(status="cancelled")
)
_CANCEL_PENDING_OF_CASE = (
    update(_REMINDERS)
    .where(
        _REMINDERS.c.session_id.in_(select(_SESSIONS.c.id).where(_SESSIONS.c.case_id == bindparam("ended_case_id"))),
        _REMINDERS.c.status == "pending",
    )
    .values(status="cancelled")
    .returning(_REMINDERS.c.session_id)
)
_INSERT_REMINDERS = insert(_REMINDERS)


def replace(session: MediationSession, user_ids: Iterable[uuid.UUID]) -> int:
    """A reschedule: the old reminders go, new ones for the new time come."""
    cancel_pending(session)
    return schedule(session, user_ids)


def due_ids(*, limit: int = 500) -> list[uuid.UUID]:
    """Pending reminders whose time has come, oldest first."""
    query = select(SessionReminder.id).where(
        SessionReminder.status == "pending", SessionReminder.remind_at <= clock.now()
    )
    return list(db.session.scalars(query.order_by(SessionReminder.remind_at).limit(limit)))


def send_one(reminder_id: uuid.UUID) -> str:
    """Claim one due reminder and turn it into a notification (committed together), then dispatch it."""
    now = clock.now()
    claimed = db.session.execute(
        update(SessionReminder)
        .where(SessionReminder.id == reminder_id, SessionReminder.status == "pending", SessionReminder.remind_at <= now)
        .values(status="notified")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; typed as Result
        db.session.rollback()
        return "skipped"
    reminder = db.session.get_one(SessionReminder, reminder_id)  # just claimed above
    session = db.session.get(MediationSession, reminder.session_id)
    if session is None or session.status != "scheduled" or session.starts_at <= now:
        reminder.status = "expired"  # too late to be useful (the workers were down): say nothing
        db.session.commit()
        return "expired"
    case = db.session.get_one(Case, session.case_id)  # a foreign key
    note = notifications.notify(
        user_id=reminder.user_id,
        kind="session_reminder" if session.kind == "mediation" else "hearing_reminder",
        data=_data(session, case),
        subject=("mediation_session", session.id),
    )
    reminder.notification_id = note.id
    db.session.commit()
    notifications.dispatch(note.id)
    return "notified"


def _data(session: MediationSession, case: Case) -> dict:
    return {
        "session_id": str(session.id),
        "case_id": str(case.id),
        "case_title": case.title,
        "starts_at": session.starts_at.astimezone(clock.SHANGHAI).isoformat(),
        "ends_at": session.ends_at.astimezone(clock.SHANGHAI).isoformat(),
        "mode": session.mode,
        "location": session.location,
        "kind": session.kind,
        "meeting_url": session.meeting_url,
    }


def send_due() -> int:
    """Hand every due reminder to the notification path; return how many became notifications."""
    sent = 0
    for reminder_id in due_ids():
        if send_one(reminder_id) == "notified":
            sent += 1
    if sent:
        log.info("session reminders sent", extra={"reminders": sent})
    return sent
