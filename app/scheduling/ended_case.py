"""An ended case's future sessions and pending reminders cancelled, in one statement on PostgreSQL (issue 18).

`sessions.cancel_for_ended_case` (a cases end hook) cancels the future scheduled sessions of a case that ended, by
an UPDATE ... RETURNING that also reads them (not read first, not written again at the flush), and every pending
reminder of the case's sessions (a session under way's too), counted per session. SQLite sends the two UPDATEs.

On PostgreSQL they are data-modifying CTEs of one SELECT, which also carries the reads the other end hooks
registered (`end_hooks.register_read`: video's rooms of the case), so those hooks send none of their own:

    WITH cancelled AS (UPDATE mediation_sessions ... RETURNING every column),
         reminded AS (UPDATE session_reminders ... WHERE session_id IN (the case's sessions) RETURNING session_id)
    SELECT cancelled.*, counted.session_ids, <the reads>
    FROM (SELECT array_agg(session_id) FROM reminded) AS counted LEFT OUTER JOIN cancelled ON true
    ORDER BY starts_at, id

The aggregate gives one row when no session is cancelled (then the session's columns are NULL). The two UPDATEs
change different tables and share the statement's snapshot, taken after the case's lock (the previous statement)
as the two statements' were; the reminders' subquery reads the case's sessions as they were before the sibling
UPDATE, which changes no session's case: the same rows change as with two statements. The reads see that snapshot
too, which nothing the ending writes before them changes (`end_hooks.register_read`'s condition).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, select, true, update
from sqlalchemy.orm import aliased

from app.cases import end_hooks
from app.extensions import db
from app.scheduling import reminders
from app.scheduling.models import MediationSession, SessionReminder

_SESSIONS = cast(Table, MediationSession.__table__)
_REMINDERS = cast(Table, SessionReminder.__table__)


def cancel(
    case_id: uuid.UUID, *, now: dt.datetime, by: uuid.UUID | None, why: str
) -> tuple[list[MediationSession], Counter[uuid.UUID]]:
    """Cancel the case's scheduled sessions that start after `now` (by `by`, for `why`) and every pending reminder of
    the case's sessions: the sessions cancelled (earliest first; the objects in the session brought up to date) and
    how many reminders each session of the case had cancelled. On PostgreSQL the end hooks' registered reads come
    with them and are handed over (`end_hooks.hand_over`)."""
    params = {"ended_case_id": case_id, "now": now, "by_user_id": by, "why": why}
    if db.session.get_bind().dialect.name != "postgresql":
        cancelled = db.session.scalars(_CANCEL_FUTURE, params).all()
        counted = reminders.cancel_pending_of_case(case_id)
        return sorted(cancelled, key=lambda session: (session.starts_at, session.id)), counted
    reads, statement = _combined()
    rows: Sequence[Any] = db.session.execute(statement, params).all()
    first = rows[0]  # always one row at least: the aggregate's
    if reads:
        end_hooks.hand_over(case_id, {name: first[_READS_AT + n] for n, (name, _column) in enumerate(reads)})
    sessions = [row[0] for row in rows if row[0] is not None]
    return sessions, Counter(first[1] or ())


# The future scheduled sessions of an ended case, cancelled and returned (SQLite; earliest first once sorted).
_CANCEL_FUTURE = (
    update(MediationSession)
    .where(
        MediationSession.case_id == bindparam("ended_case_id"),
        MediationSession.status == "scheduled",
        MediationSession.starts_at > bindparam("now"),
    )
    .values(
        status="cancelled",
        cancelled_at=bindparam("now"),
        cancelled_by=bindparam("by_user_id"),
        cancel_reason=bindparam("why"),
    )
    .returning(MediationSession)
    .execution_options(synchronize_session=False, populate_existing=True)
)

_Reads = tuple[tuple[str, ColumnElement[Any]], ...]
_READS_AT = 2  # the reads' place in a row: after the session and the reminders' session ids
_built: tuple[_Reads, Select] | None = None


def _combined() -> tuple[_Reads, Select]:
    """The statement for the reads registered now: built once per set of reads (registered at start-up)."""
    global _built
    reads = end_hooks.reads()
    if _built is None or _built[0] is not reads:
        _built = (reads, _build(reads))
    return _built


def _build(reads: _Reads) -> Select:
    now = bindparam("now", type_=_SESSIONS.c.starts_at.type)
    case_id = bindparam("ended_case_id", type_=_SESSIONS.c.case_id.type)
    cancelled = (
        update(_SESSIONS)
        .where(_SESSIONS.c.case_id == case_id, _SESSIONS.c.status == "scheduled", _SESSIONS.c.starts_at > now)
        .values(
            status="cancelled",
            cancelled_at=now,
            cancelled_by=bindparam("by_user_id", type_=_SESSIONS.c.cancelled_by.type),
            cancel_reason=bindparam("why", type_=_SESSIONS.c.cancel_reason.type),
            updated_at=now,  # a CTE's UPDATE gets no onupdate default
        )
        .returning(*_SESSIONS.c)
        .cte("cancelled")
    )
    reminded = (
        update(_REMINDERS)
        .where(
            _REMINDERS.c.session_id.in_(select(_SESSIONS.c.id).where(_SESSIONS.c.case_id == case_id)),
            _REMINDERS.c.status == "pending",
        )
        .values(status="cancelled", updated_at=now)
        .returning(_REMINDERS.c.session_id)
        .cte("reminded")
    )
    counted = select(func.array_agg(reminded.c.session_id).label("session_ids")).subquery("counted")
    session = aliased(MediationSession, cancelled)
    return (
        select(session, counted.c.session_ids, *(column.label(f"read_{n}") for n, (_name, column) in enumerate(reads)))
        .select_from(counted)
        .outerjoin(session, true())
        .order_by(session.starts_at, session.id)
        .execution_options(populate_existing=True)
    )
