"""The PostgreSQL-only combined writes, built and handed to the session, on any database (issue 18).

The integration suite runs these statements on PostgreSQL (tests/integration/test_timeline_rows.py,
tests/api/service); these tests check, without a server, what is built and with which parameters: the queued rows
of several statements become one statement of CTEs, the fallbacks send each statement alone, and the documents'
combined INSERTs and UPDATE carry every row's values under the names their SQL uses.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Table, Uuid, bindparam, insert, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.exc import StaleDataError

from app.cases.models import TimelineEvent
from app.documents import combined
from app.documents.models import DeliveryEvent, ServedDocument
from app.platform import pending_rows
from app.scheduling import reminders
from app.scheduling.models import SessionReminder

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
TIMELINE = cast(Table, TimelineEvent.__table__)
REMINDERS = cast(Table, SessionReminder.__table__)
DOCUMENTS = cast(Table, ServedDocument.__table__)
EVENTS = cast(Table, DeliveryEvent.__table__)
# Built once, as the app builds its statements: queued rows are grouped by their statement.
INSERT_TIMELINE, INSERT_REMINDERS = insert(TIMELINE), insert(REMINDERS)
CHANGE_SUMMARY = update(TIMELINE).where(TIMELINE.c.id == bindparam("entry_id")).values(summary="x")


class FakeSession:
    """What pending_rows and combined use of a Session: its info, its bind's dialect, and execute (recorded)."""

    def __init__(self, dialect: str = "postgresql", returned: int = 0) -> None:
        self.info: dict[str, Any] = {}
        self.sent: list[tuple[Any, Any]] = []
        self._bind = SimpleNamespace(dialect=SimpleNamespace(name=dialect))
        self._returned = returned

    def get_bind(self) -> Any:
        return self._bind

    def get_nested_transaction(self) -> None:
        return None

    def flush(self) -> None:  # every owner here is None: nothing to flush
        raise AssertionError("no flush expected")

    def execute(self, statement: Any, params: Any = None) -> Any:
        self.sent.append((statement, params))
        return SimpleNamespace(all=lambda: [(n,) for n in range(self._returned)])


def sql(statement: Any) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))


def entry(case_id: uuid.UUID, kind: str = "session.booked") -> pending_rows.Values:
    return pending_rows.Values(
        id=uuid.uuid4(), case_id=case_id, at=NOW, type=kind, actor_user_id=None, actor_role="mediator",
        from_status=None, to_status=None, summary="s", reason=None, data={"k": 1},
    )  # fmt: skip


def reminder_rows(count: int) -> list[dict[str, Any]]:
    due = [(uuid.uuid4(), 60, NOW + dt.timedelta(hours=n + 1)) for n in range(count)]
    return reminders.rows_of(uuid.uuid4(), due, NOW)


def test_rows_of_several_statements_are_one_statement_on_postgresql() -> None:
    session = FakeSession()
    case_id = uuid.uuid4()
    entries = [entry(case_id), entry(case_id, "session.invited")]
    for item in entries:
        pending_rows.add(session, INSERT_TIMELINE, item)  # type: ignore[arg-type]
    for row in reminder_rows(3):
        pending_rows.add(session, INSERT_REMINDERS, pending_rows.Values(row))  # type: ignore[arg-type]

    pending_rows.write_waiting(session)  # type: ignore[arg-type]

    assert len(session.sent) == 1 and "microcourt.pending_rows" not in session.info
    statement, params = session.sent[0]
    text = sql(statement)
    assert text.startswith("WITH rows_0 AS") and text.count("INSERT INTO") == 2
    assert "UNION ALL" in text  # several rows of one table: INSERT ... SELECT ... UNION ALL
    sent_ids = {value for name, value in params.items() if name.endswith("_id") and name.split("_", 2)[2] == "id"}
    assert {item.values()["id"] for item in entries} <= sent_ids
    assert len(params) == 2 * len(TIMELINE.columns) + 3 * len(REMINDERS.columns)


def test_an_update_joins_as_a_cte_and_one_row_is_a_plain_insert() -> None:
    session = FakeSession()
    row_id = uuid.uuid4()
    change = CHANGE_SUMMARY
    pending_rows.add(session, change, pending_rows.Values(entry_id=row_id))  # type: ignore[arg-type]
    pending_rows.add(session, INSERT_TIMELINE, entry(uuid.uuid4()))  # type: ignore[arg-type]

    pending_rows.write_waiting(session)  # type: ignore[arg-type]

    (statement, params), = session.sent  # fmt: skip
    text = sql(statement)
    assert text.startswith("WITH rows_0 AS \n(UPDATE case_timeline SET summary=")
    assert text.count("INSERT INTO") == 1 and "UNION ALL" not in text
    assert row_id in params.values()


def test_shapes_that_cannot_be_combined_are_sent_one_statement_each() -> None:
    session = FakeSession()
    change = CHANGE_SUMMARY
    for _ in range(2):  # an UPDATE of more than one row
        pending_rows.add(session, change, pending_rows.Values(entry_id=uuid.uuid4()))  # type: ignore[arg-type]
    pending_rows.add(session, INSERT_TIMELINE, entry(uuid.uuid4()))  # type: ignore[arg-type]

    pending_rows.write_waiting(session)  # type: ignore[arg-type]

    assert [len(params) for _statement, params in session.sent] == [2, 1]


def test_a_row_without_a_python_defaulted_column_is_sent_alone() -> None:
    session = FakeSession()
    (row,) = reminder_rows(1)
    del row["created_at"]  # the mixin's Python default would not be applied inside a CTE
    pending_rows.add(session, INSERT_REMINDERS, pending_rows.Values(row))  # type: ignore[arg-type]
    pending_rows.add(session, INSERT_TIMELINE, entry(uuid.uuid4()))  # type: ignore[arg-type]

    pending_rows.write_waiting(session)  # type: ignore[arg-type]

    assert len(session.sent) == 2


def test_sqlite_sends_one_statement_per_table() -> None:
    session = FakeSession("sqlite")
    pending_rows.add(session, INSERT_TIMELINE, entry(uuid.uuid4()))  # type: ignore[arg-type]
    for row in reminder_rows(2):
        pending_rows.add(session, INSERT_REMINDERS, pending_rows.Values(row))  # type: ignore[arg-type]

    pending_rows.write_waiting(session)  # type: ignore[arg-type]

    assert [len(params) for _statement, params in session.sent] == [1, 2]


def document_row() -> dict[str, Any]:
    return {column.key: None for column in DOCUMENTS.columns if column.default is None and column.nullable} | {
        "id": uuid.uuid4(),
        **{
            column.key: _sample(column)
            for column in DOCUMENTS.columns
            if not column.nullable and column.default is None
        },
    }


def _sample(column: Any) -> Any:
    kind = getattr(column.type, "impl", column.type)  # a TypeDecorator (UTCDateTime) by what it stores
    samples: list[tuple[type, Any]] = [
        (JSON, {}), (Boolean, False), (Integer, 1), (DateTime, NOW), (Uuid, uuid.uuid4()), (String, "x"),
    ]  # fmt: skip
    for sql_type, value in samples:
        if isinstance(kind, sql_type):
            return value
    raise AssertionError(f"no sample for {column.key}: {column.type!r}")


def event_row(document_id: uuid.UUID) -> dict[str, Any]:
    row = {column.key: _sample(column) for column in EVENTS.columns if not column.nullable and column.default is None}
    row["document_id"] = document_id
    return row


def test_insert_all_sends_one_json_array_per_table() -> None:
    session = FakeSession()
    document = document_row()
    events = [event_row(document["id"]) for _ in range(3)]
    for row in events:  # a JSON column's None would not travel as JSON (the fallback's test)
        row.update({key: {} for key in combined._json_columns(EVENTS)})

    assert combined.insert_all(session, [(DOCUMENTS, [document]), (EVENTS, events)])  # type: ignore[arg-type]

    (statement, params), = session.sent  # fmt: skip
    assert set(params) == {"j0", "j1"}
    assert [row["id"] for row in json.loads(params["j0"])] == [str(document["id"])]
    assert len(json.loads(params["j1"])) == 3
    assert "json_populate_recordset" in sql(statement) and sql(statement).startswith("WITH j1 AS")


def test_insert_all_falls_back_to_a_row_per_cte_when_a_value_does_not_travel_in_json() -> None:
    session = FakeSession()
    document = document_row() | {"id": uuid.uuid4()}
    event = event_row(document["id"])
    json_columns = combined._json_columns(EVENTS) or combined._json_columns(DOCUMENTS)
    assert json_columns, "the fallback needs a JSON column to hold None"
    for key in combined._json_columns(EVENTS):
        event[key] = None  # JSON null for SQLAlchemy, SQL NULL from a record: not sent as JSON
    for key in combined._json_columns(DOCUMENTS):
        document[key] = None

    assert not combined.insert_all(session, [(DOCUMENTS, [document]), (EVENTS, [event])], rows_as_ctes=False)  # type: ignore[arg-type]
    assert session.sent == []
    assert combined.insert_all(session, [(DOCUMENTS, [document]), (EVENTS, [event])])  # type: ignore[arg-type]
    (statement, params), = session.sent  # fmt: skip
    assert len(params) == len(DOCUMENTS.columns) + len(EVENTS.columns) and "p0" in params
    assert sql(statement).startswith("WITH r1 AS")


def test_json_values_refuse_what_json_does_not_carry() -> None:
    assert combined._json_value(uuid.UUID(int=1)) == str(uuid.UUID(int=1))
    assert combined._json_value(NOW).startswith("2026-12-07T03:00:00")
    with pytest.raises(TypeError):
        combined._json_value(object())


def test_update_with_events_is_one_statement_and_refuses_a_document_it_did_not_match() -> None:
    document_id = uuid.uuid4()
    events = [event_row(document_id) for _ in range(2)]
    extra = [(TIMELINE, [entry(uuid.uuid4()).values()])]
    session = FakeSession(returned=2)

    left = combined.update_with_events(  # type: ignore[arg-type]
        session, ("status",), {"status": "opened", "document_id": document_id}, events, extra
    )

    assert left == []
    (statement, params), = session.sent  # fmt: skip
    text = sql(statement)
    assert (
        text.startswith("WITH x0 AS \n(INSERT INTO case_timeline") and "document AS \n(UPDATE served_documents" in text
    )
    assert text.count("INSERT INTO delivery_events") == 1 and "UNION ALL" in text
    assert params["document_id"] == document_id and params["d_status"] == "opened"
    with pytest.raises(StaleDataError):
        combined.update_with_events(  # type: ignore[arg-type]
            FakeSession(returned=0), ("status",), {"status": "opened", "document_id": document_id}, events[:1]
        )
