"""Booking a mediation session in fewer statements (issue 18): on PostgreSQL, data-modifying CTEs.

A booking locks the case's row, then reads who takes part (after that lock, so an invitation accepted meanwhile is
seen), locks their schedule rows in user-id order, then checks overlaps (after those locks: a competing booking that
shares a person has committed its session by then) and writes the session and its reminders. On PostgreSQL:

- `lock_participants`: the case's connections (`app.cases.access.facts_rows`) and the schedule locks of the
  people they name, with the mediator, in one statement. Its snapshot is taken when it starts, after the case's
  lock was granted (the previous statement), so it reads what a separate SELECT would have read.
- `book_and_record`: the overlap check, and only when it finds nothing the session's INSERT, its reminders' (all
  rows in one INSERT ... SELECT over arrays), the booking's timeline entries (the `session.scheduled` entry and
  those recorded before it, the mediation's start: one JSON array, `timeline.insert_after`) and the case's new
  status when that is all that changed on it (the first session starts the mediation), in one statement. It starts
  after every schedule lock is granted, so its snapshot sees every competing booking that held one of them. It
  returns what the check found: when that is not empty, nothing was written (no session, entry or status lands
  for a refused slot) and the caller refuses the slot (the transaction is rolled back). Otherwise the case is
  told what was written (set_committed_value) and marked dirty: the commit's flush sends no statement for it, and
  its observers (the Idempotency-Key layer notes a write at a flush or at a session's DML, not at this Core
  SELECT run on the connection) see that the booking wrote.

Every statement is built once, with a text that does not depend on the number of people or reminders (arrays, not
expanded IN lists), and runs on the session's connection: its columns are the ORM's, but nothing needs the ORM's
execution (no entity is loaded, nothing waits to be flushed before it: the booking's own changes go out with it),
which cost more CPU than the statement. SQLite has no data-modifying CTEs: there the same steps run one statement
each (`book_if_free`, then the entries and the case at the commit's flush), as before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    String,
    Table,
    Uuid,
    bindparam,
    column,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    true,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm.attributes import flag_dirty, instance_state, set_committed_value

from app.cases import Case, timeline
from app.cases import access as case_access
from app.extensions import db
from app.platform import pending_rows
from app.scheduling import conflicts, reminders
from app.scheduling.models import MediationSession, ScheduleLock, SessionReminder
from app.security.permissions import CaseFacts
from app.utils import clock
from app.utils.ids import new_id

_CASES = cast(Table, Case.__table__)
_SESSIONS = cast(Table, MediationSession.__table__)
_REMINDERS = cast(Table, SessionReminder.__table__)
_SCHEDULE_LOCKS = cast(Table, ScheduleLock.__table__)
# The columns of the booked session's row, in the order its INSERT lists them (its parameters are "s_<column>").
SESSION_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "case_id",
    "kind",
    "mediator_user_id",
    "starts_at",
    "ends_at",
    "mode",
    "location",
    "meeting_url",
    "status",
    "created_by",
)


def postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def lock_participants(case: Case) -> CaseFacts:
    """The facts of the case (its row locked by the caller) and the schedule rows of everyone taking part in its
    sessions locked, in user-id order, until commit; the caller is the case's mediator."""
    if not postgresql():
        facts = case_access.facts_for(case)
        conflicts.lock(conflicts.participant_ids(case, facts))
        return facts
    params = {"case_id": case.id, "mediator_id": case.mediator_user_id}
    rows = db.session.connection().execute(_FACTS_AND_LOCKS, params).all()
    return case_access.facts_from(case, rows)


def _facts_and_locks() -> Select:
    """WITH facts AS (the case's connections), locked AS (INSERT INTO schedule_locks the connections' users and the
    mediator, each once, in id order, ON CONFLICT DO UPDATE ... WHERE false: missing rows inserted, the others
    locked, as `conflicts.lock` does) SELECT the connections."""
    facts = case_access.facts_rows(bindparam("case_id", type_=Uuid)).cte("facts")
    people = union(select(facts.c.user_id), select(bindparam("mediator_id", type_=Uuid))).subquery("people")
    upsert = pg_insert(_SCHEDULE_LOCKS).from_select(
        ["user_id"], select(people.c.user_id).where(people.c.user_id.is_not(None)).order_by(people.c.user_id)
    )
    locked = upsert.on_conflict_do_update(
        index_elements=["user_id"], set_={"user_id": upsert.excluded.user_id}, where=false()
    ).cte("locked")
    return select(facts.c.kind, facts.c.party_id, facts.c.user_id).add_cte(locked)


_FACTS_AND_LOCKS = _facts_and_locks()


def book_if_free(
    values: dict[str, Any], people: set[uuid.UUID], start: dt.datetime, end: dt.datetime
) -> list[conflicts.Busy]:
    """SQLite (PostgreSQL: `book_and_record`): write the session (`values`: its row) and its reminders for `people`
    unless one of them is busy during [start, end), one statement each; what the overlap check found (empty:
    written)."""
    found = conflicts.busy(sorted(people), start, end)
    if not found:
        due = reminders.due_of(values["starts_at"], people, values["created_at"])
        with db.session.no_autoflush:  # nothing is pending yet; the case's changes are flushed at the commit
            db.session.execute(_INSERT_SESSION, values)
        reminders.write(values["id"], due, values["created_at"])
    return found


def book_and_record(
    case: Case,
    values: dict[str, Any],
    people: set[uuid.UUID],
    start: dt.datetime,
    end: dt.datetime,
    entry: timeline.Entry,
) -> list[conflicts.Busy]:
    """PostgreSQL: the overlap check, and only when it finds nothing the session, its reminders, the timeline's
    `entry` (not queued) with the entries queued meanwhile and the case's new status (when the status is all that
    changed on the case, which is locked), in one statement; what the overlap check found (empty: all written).
    Call it without autoflush: the case's change must not be flushed by a read before it (a refusal reads who is
    busy). Another change of the case is left to the commit's flush, as before."""
    session = db.session()
    connection = session.connection()
    entries = [entry.values()]
    others = []
    for statement, rows in pending_rows.take_ready(session):  # the entries the flush would write now (a commit)
        if timeline.written_by(statement):
            entries.extend(rows)
        else:
            others.append((statement, rows))  # none in a booking: written after it, as the flush would
    state = instance_state(case)
    started = set(state.committed_state) == {"status"}  # the first session starts the mediation
    due = reminders.due_of(values["starts_at"], people, values["created_at"])
    ids = sorted(people)
    params = _params(values, due, ids, start, end)
    params["entries"] = timeline.as_json(entries)
    mapper = state.mapper
    if started:
        now = clock.now()
        params.update(c_status=case.status, c_updated_at=now)
        mapper.dispatch.before_update(mapper, connection, state)  # as the flush would (statistics upkeep)
    busy = connection.execute(_BOOK_AND_START if started else _BOOK_AND_RECORD, params).all()
    if busy:
        return conflicts.busy_of(set(ids), busy)  # nothing written; the caller refuses the slot (rolled back)
    if started:
        set_committed_value(case, "status", case.status)  # the loaded case as written, without reading it back
        set_committed_value(case, "updated_at", now)
        mapper.dispatch.after_update(mapper, connection, state)
    # The commit's flush finds nothing to write for the case, and tells its observers that this transaction wrote.
    flag_dirty(case)
    for statement, rows in others:
        session.execute(statement, rows)
    return []


def _params(
    values: dict[str, Any], due: list[tuple[uuid.UUID, int, dt.datetime]], ids: list[uuid.UUID], start: Any, end: Any
) -> dict[str, Any]:
    params: dict[str, Any] = {f"s_{name}": values[name] for name in SESSION_COLUMNS}
    params.update(
        ids=ids,
        start=start,
        end=end,
        r_ids=[new_id() for _ in due],
        r_users=[user_id for user_id, _minutes, _at in due],
        r_offsets=[minutes for _user_id, minutes, _at in due],
        r_at=[at for _user_id, _minutes, at in due],
    )
    return params


_INSERT_SESSION = insert(_SESSIONS)


def _book_and_record(*, start: bool) -> Select:
    """WITH busy AS (`conflicts.busy_query`), new_session AS (INSERT the session WHERE NOT EXISTS busy RETURNING
    id, case_id), new_reminders AS (INSERT its reminders from unnest(arrays) joined to new_session), new_entries AS
    (INSERT the timeline entries of the JSON array `entries` joined to new_session) SELECT busy; `start`: and
    started AS (UPDATE cases SET status, updated_at FROM new_session WHERE it is the session's case)."""
    busy = conflicts.busy_query(array=True).cte("busy")
    row = [bindparam(f"s_{name}", type_=_SESSIONS.c[name].type) for name in SESSION_COLUMNS]
    new_session = (
        insert(_SESSIONS)
        .from_select(list(SESSION_COLUMNS), select(*row).where(~exists(select(literal(1)).select_from(busy))))
        .returning(_SESSIONS.c.id, _SESSIONS.c.case_id)
        .cte("new_session")
    )
    stamp = _REMINDERS.c.created_at.type
    due = (
        func.unnest(
            bindparam("r_ids", type_=ARRAY(Uuid)),
            bindparam("r_users", type_=ARRAY(Uuid)),
            bindparam("r_offsets", type_=ARRAY(Integer)),
            bindparam("r_at", type_=ARRAY(DateTime(timezone=True))),
        )
        .table_valued(
            column("id", Uuid), column("user_id", Uuid), column("offset_minutes", Integer), column("remind_at", stamp)
        )
        .render_derived(with_types=False)
        .alias("due")
    )
    created = bindparam("s_created_at", type_=stamp)
    new_reminders = insert(_REMINDERS).from_select(
        ["id", "created_at", "updated_at", "session_id", "user_id", "remind_at", "offset_minutes", "status"],
        select(
            due.c.id,
            created,
            created,
            new_session.c.id,
            due.c.user_id,
            due.c.remind_at,
            due.c.offset_minutes,
            literal("pending", String),
        )
        .select_from(new_session)
        .join(due, true()),
    )
    ctes = [new_session, new_reminders.cte("new_reminders"), timeline.insert_after(new_session).cte("new_entries")]
    if start:
        started = (
            update(_CASES)
            .where(_CASES.c.id == new_session.c.case_id)
            .values(
                status=bindparam("c_status", type_=_CASES.c.status.type),
                updated_at=bindparam("c_updated_at", type_=_CASES.c.updated_at.type),
            )
        )
        ctes.append(started.cte("started"))
    return select(busy).add_cte(*ctes)


_BOOK_AND_RECORD = _book_and_record(start=False)
_BOOK_AND_START = _book_and_record(start=True)
