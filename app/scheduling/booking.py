"""Booking a mediation session in fewer statements (issue 18): on PostgreSQL, data-modifying CTEs.

A booking locks the case's row, then reads who takes part (after that lock, so an invitation accepted meanwhile is
seen), locks their schedule rows in user-id order, then checks overlaps (after those locks: a competing booking that
shares a person has committed its session by then) and writes the session and its reminders. On PostgreSQL:

- `lock_participants`: the case's connections (`app.cases.access.facts_rows`) and the schedule locks of the
  people they name, with the mediator, in one statement. Its snapshot is taken when it starts, after the case's
  lock was granted (the previous statement), so it reads what a separate SELECT would have read.
- `book_if_free`: the overlap check, and only when it finds nothing the session's INSERT and its reminders' (all
  rows in one INSERT ... SELECT over arrays), in one statement. It starts after every schedule lock is granted, so
  its snapshot sees every competing booking that held one of them. It returns what the check found: when that is
  not empty, nothing was written and the caller refuses the slot (the transaction is rolled back).

Every statement is built once, with a text that does not depend on the number of people or reminders (arrays, not
expanded IN lists), and runs on the session's connection: its columns are the ORM's, but nothing needs the ORM's
execution (no entity is loaded, nothing waits to be flushed before it: the booking has changed nothing yet), which
cost more CPU than the statement. SQLite has no data-modifying CTEs: there the same steps run one statement each, as
before.
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
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.cases import Case
from app.cases import access as case_access
from app.extensions import db
from app.scheduling import conflicts, reminders
from app.scheduling.models import MediationSession, ScheduleLock, SessionReminder
from app.security.permissions import CaseFacts
from app.utils.ids import new_id

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
    """Write the session (`values`: its row) and its reminders for `people` unless one of them is busy during
    [start, end); what the overlap check found (empty: written)."""
    due = reminders.due_of(values["starts_at"], people, values["created_at"])
    ids = sorted(people)
    if not postgresql():
        found = conflicts.busy(ids, start, end)
        if not found:
            with db.session.no_autoflush:  # nothing is pending yet; the case's changes are flushed at the commit
                db.session.execute(_INSERT_SESSION, values)
            reminders.write(values["id"], due, values["created_at"])
        return found
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
    rows = db.session.connection().execute(_BOOK_IF_FREE, params).all()
    return conflicts.busy_of(set(ids), rows) if rows else []


_INSERT_SESSION = insert(_SESSIONS)


def _book_if_free() -> Select:
    """WITH busy AS (`conflicts.busy_query`), new_session AS (INSERT the session WHERE NOT EXISTS busy RETURNING
    id), new_reminders AS (INSERT its reminders from unnest(arrays) joined to new_session) SELECT busy."""
    busy = conflicts.busy_query(array=True).cte("busy")
    row = [bindparam(f"s_{name}", type_=_SESSIONS.c[name].type) for name in SESSION_COLUMNS]
    new_session = (
        insert(_SESSIONS)
        .from_select(list(SESSION_COLUMNS), select(*row).where(~exists(select(literal(1)).select_from(busy))))
        .returning(_SESSIONS.c.id)
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
    return select(busy).add_cte(new_session, new_reminders.cte("new_reminders"))


_BOOK_IF_FREE = _book_if_free()
