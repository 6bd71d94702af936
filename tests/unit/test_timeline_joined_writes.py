"""Timeline entries written by the statement of the row they tell of (PostgreSQL, issue 18), checked without a server.

The booking's statement (app/scheduling/booking.py) and the invitation's (app/invitations/issuing.py) insert their
entries from one JSON array joined to the CTE that wrote their row, so no entry lands without it; the API tests run
them on PostgreSQL (tests/api/mediation/test_sessions_booking_writes.py, test_invitations.py). Here: what is built,
that it stays under psycopg's limits for keeping a statement's conversion (4096 characters, 50 parameters), and the
entries' JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from sqlalchemy.dialects import postgresql

from app.cases import timeline
from app.invitations import issuing
from app.scheduling import booking

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


def compiled(statement):
    return statement.compile(dialect=postgresql.psycopg.dialect())


def flat(statement) -> str:
    return re.sub(r"\s+", " ", str(compiled(statement)))


@pytest.mark.parametrize("statement", [booking._BOOK_AND_RECORD, booking._BOOK_AND_START, issuing._INSERT_WITH_ENTRY])
def test_the_statements_stay_within_what_psycopg_keeps(statement) -> None:
    built = compiled(statement)
    assert len(str(built)) <= 4096 and len(built.params) <= 50


def test_a_booking_writes_its_entries_and_the_case_only_with_the_session() -> None:
    text = flat(booking._BOOK_AND_START)
    assert "new_entries AS (INSERT INTO case_timeline" in text
    assert "FROM new_session JOIN json_populate_recordset(NULL::case_timeline" in text
    assert "UPDATE cases SET status=" in text and "FROM new_session WHERE cases.id = new_session.case_id" in text
    assert text.rstrip().endswith("FROM busy")  # what the overlap check found is the answer
    assert "UPDATE cases" not in flat(booking._BOOK_AND_RECORD)


def test_an_invitation_writes_its_entry_only_with_its_row() -> None:
    text = flat(issuing._INSERT_WITH_ENTRY)
    assert text.startswith("WITH new_invitation AS (INSERT INTO case_invitations")
    assert "ON CONFLICT DO NOTHING RETURNING case_invitations.id" in text
    assert "INSERT INTO case_timeline" in text and "FROM new_invitation JOIN json_populate_recordset" in text
    assert text.endswith("RETURNING case_timeline.id")
    assert set(compiled(issuing._INSERT_WITH_ENTRY).params) == {*issuing._ROW_KEYS, "entries"}


def test_entries_travel_as_one_json_array_of_their_columns() -> None:
    case_id, entry_id = uuid.uuid4(), uuid.uuid4()
    entry = timeline.Entry(
        id=entry_id, case_id=case_id, at=NOW, type="session.scheduled", actor_user_id=None, actor_role="mediator",
        from_status=None, to_status=None, summary="已预约", reason=None, data={"session_id": "x"},
    )  # fmt: skip
    [row] = json.loads(timeline.as_json([entry.values()]))
    assert row == {
        "id": str(entry_id), "case_id": str(case_id), "at": "2026-12-07T03:00:00+00:00", "type": "session.scheduled",
        "actor_user_id": None, "actor_role": "mediator", "from_status": None, "to_status": None, "summary": "已预约",
        "reason": None, "data": {"session_id": "x"},
    }  # fmt: skip
    assert "已预约" in timeline.as_json([entry.values()])  # not escaped: as the other JSON arrays
    with pytest.raises(ValueError):
        timeline.as_json([{**entry.values(), "at": NOW.replace(tzinfo=None)}])  # naive: refused
    with pytest.raises(TypeError):
        timeline.as_json([{**entry.values(), "data": {1, 2}}])


def test_only_the_timeline_statement_counts_as_entries() -> None:
    assert timeline.written_by(timeline._INSERT)
    assert not timeline.written_by(issuing._INSERT_SQLITE)
