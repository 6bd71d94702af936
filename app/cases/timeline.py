"""The case timeline: append-only events with who, when, from, to and why.

An entry's words are a catalogue message (issue 21): the recorder passes `app.i18n.message(...)` (an English
msgid with named placeholders and the facts that fill them); the message is kept in `data["summary_message"]`
and rendered in the reader's language when read (`summary_in`). `summary` keeps the Chinese rendering, for
readers of the column (search, exports) and for old rows, which have no message and read their stored text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CTE, JSON, Insert, Table, Text, bindparam, func, insert, literal_column, select, true, update
from sqlalchemy import cast as sql_cast

from app.cases.models import Case, TimelineEvent
from app.extensions import db
from app.i18n import DEFAULT_LANGUAGE, Message, render_data
from app.platform import pending_rows
from app.security.permissions import Principal
from app.utils import clock
from app.utils.ids import new_id


@dataclasses.dataclass(slots=True)
class Entry:
    """An entry `record` appended this transaction: the row's values (TimelineEvent's columns), not an ORM object.

    Entries are plain rows (issue 18: the unit of work cost more CPU than the INSERT): each waits in the session
    (app/platform/pending_rows.py) and is written as an ORM object would have been, at the next flush (after its
    case, if the case is new), autoflush or commit, several in one INSERT; a rollback drops it."""

    id: uuid.UUID
    case_id: uuid.UUID
    at: dt.datetime
    type: str
    actor_user_id: uuid.UUID | None
    actor_role: str
    from_status: str | None
    to_status: str | None
    summary: str
    reason: str | None
    data: dict

    def values(self) -> dict[str, Any]:
        """The row's INSERT parameters."""
        return {
            "id": self.id,
            "case_id": self.case_id,
            "at": self.at,
            "type": self.type,
            "actor_user_id": self.actor_user_id,
            "actor_role": self.actor_role,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "summary": self.summary,
            "reason": self.reason,
            "data": self.data,
        }


Event = TimelineEvent | Entry  # an entry read from the table, or one recorded in this transaction

# Built once per process (building a statement costs about what running it does).
_TABLE = cast(Table, TimelineEvent.__table__)
_INSERT = insert(_TABLE)
_ENTRY_KEYS = tuple(column.key for column in _TABLE.columns)
_RETELL = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("entry_id"))
    .values(summary=bindparam("summary", type_=_TABLE.c.summary.type), data=bindparam("data", type_=_TABLE.c.data.type))
)
_EVENTS = (
    select(TimelineEvent)
    .where(TimelineEvent.case_id == bindparam("case_id"))
    .order_by(TimelineEvent.at, TimelineEvent.id)
)


def record(
    case: Case,
    event_type: str,
    *,
    actor: Principal | None,
    actor_role: str,
    summary: Message | str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict | None = None,
) -> Entry:
    """Append one event in the caller's transaction (server time only); `summary` is a catalogue message."""
    entry = new_entry(
        case,
        event_type,
        actor=actor,
        actor_role=actor_role,
        summary=summary,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )
    pending_rows.add(db.session(), _INSERT, entry, owner=case)
    return entry


def new_entry(
    case: Case,
    event_type: str,
    *,
    actor: Principal | None,
    actor_role: str,
    summary: Message | str,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict | None = None,
) -> Entry:
    """The entry `record` appends, not queued: for a caller that writes it with its own rows (as
    app/cases/filed_rows.py does with a new case's)."""
    data = _with_message(data, summary)
    return Entry(
        id=new_id(),
        case_id=case.id,
        at=clock.now(),
        type=event_type,
        actor_user_id=actor.user_id if actor is not None else None,
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        summary=_stored(summary),
        reason=reason,
        data=data,
    )


def written_by(statement: object) -> bool:
    """Whether a queued statement (`pending_rows.take_ready`) is the one that writes recorded entries."""
    return statement is _INSERT


def add(case: Case, entry: Entry) -> None:
    """Queue an entry built by `new_entry`, as `record` queues the entry it builds (for a caller that knows only
    later whether the entry is to be written)."""
    pending_rows.add(db.session(), _INSERT, entry, owner=case)


def insert_after(written: CTE, name: str = "entries", *, returning: bool = False) -> Insert:
    """PostgreSQL: INSERT the entries given as one JSON array (bound as `name`, `as_json`) once per row `written`
    (a data-modifying CTE of the same statement that returns at most one row) returns: none when it wrote nothing,
    so an entry lands only with the row it tells of; `returning`: RETURNING the entries' ids. Built once by the
    caller, at import."""
    given = func.json_populate_recordset(
        literal_column(f"NULL::{_TABLE.name}"), sql_cast(bindparam(name, type_=Text()), JSON())
    ).table_valued(*_ENTRY_KEYS, name=f"{name}_given")
    source = select(*(given.c[key] for key in _ENTRY_KEYS)).select_from(written).join(given, true())
    statement = insert(_TABLE).from_select(list(_ENTRY_KEYS), source)
    return statement.returning(_TABLE.c.id) if returning else statement


def as_json(entries: Sequence[dict[str, Any]]) -> str:
    """Entries' rows (`Entry.values()`) as `insert_after`'s JSON array (a row's `data` is never None)."""
    return json.dumps(list(entries), default=_json_value, ensure_ascii=False)


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return clock.as_utc(value).isoformat()  # naive refused, as UTCDateTime refuses it
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value of a timeline entry")


def events_for(case: Case) -> list[TimelineEvent]:
    """Every event of a case, oldest first (the entries recorded in this transaction written first)."""
    session = db.session()
    pending_rows.write_waiting(session)
    return list(session.scalars(_EVENTS, {"case_id": case.id}))


MESSAGE_KEY = "summary_message"  # data's key for the entry's message (context, msgid, params)


def _stored(summary: Message | str) -> str:
    """The text kept in the column: the message in Chinese (the default language), or a plain string as given."""
    text = summary.render(DEFAULT_LANGUAGE) if isinstance(summary, Message) else summary
    return text[:500]


def _with_message(data: dict | None, summary: Message | str) -> dict:
    if not isinstance(summary, Message):
        return dict(data or {})
    return {**(data or {}), MESSAGE_KEY: summary.to_data()}


def retell(entry: Entry, summary: Message, data: dict | None = None) -> None:
    """Replace an entry's words (and data, when given) once the recorder knows more (a case number): in the row
    that waits, or (a flush wrote it meanwhile) with an UPDATE of the written row, as the unit of work did."""
    entry.data = _with_message(entry.data if data is None else data, summary)
    entry.summary = _stored(summary)
    session = db.session()
    if not pending_rows.waiting(session, entry):
        # Without autoflush: the recorder's other changes (a case number that may be taken) are flushed where the
        # recorder expects them and meets their errors, as when the unit of work wrote this UPDATE with them.
        with session.no_autoflush:
            session.execute(_RETELL, {"entry_id": entry.id, "summary": entry.summary, "data": entry.data})


def message_of(event: Event) -> Message | None:
    """The event's stored message, or None for an old row written as plain text."""
    return Message.from_data((event.data or {}).get(MESSAGE_KEY))


def summary_in(event: Event, language: str) -> str:
    """The event's words in a language: its message rendered, or the stored text for an old row."""
    return render_data((event.data or {}).get(MESSAGE_KEY), language, event.summary)


def read(event: Event, language: str) -> dict:
    """An event as a reader sees it: the machine fields as stored, the words in the reader's language."""
    return {
        "at": event.at,
        "type": event.type,
        "actor_role": event.actor_role,
        "summary": summary_in(event, language),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
    }
