"""Timeline entries are plain rows written with one Core INSERT (app/platform/pending_rows.py), not ORM objects.

They must land exactly where ORM objects would have: at the next flush, autoflush or commit, and at the commits
that only flush (an item's in `one_transaction`, the work's under an Idempotency-Key); several at once in one
INSERT; never after a rollback of the transaction or of the SAVEPOINT they were recorded in, while one recorded
before that SAVEPOINT still lands.
"""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.cases import timeline
from app.cases.models import Case, TimelineEvent
from app.errors import Conflict
from app.extensions import db
from app.platform import idempotency, pending_rows, transactions
from app.utils import clock
from tests.integration.test_statement_budgets import counting
from tests.support.cases import file_case
from tests.support.factories import make_org


@pytest.fixture
def case(app, clock) -> Case:
    filed = file_case(org=make_org())
    db.session.commit()
    return filed


def note(case: Case, words: str) -> timeline.Entry:
    return timeline.record(case, "note.test", actor=None, actor_role="system", summary=words)


def written(*words: str) -> list[str]:
    """The summaries of the given test entries that another connection sees (committed)."""
    with db.engine.connect() as other:
        query = select(TimelineEvent.summary).where(TimelineEvent.type == "note.test", TimelineEvent.summary.in_(words))
        return sorted(other.scalars(query))


def inserts(count) -> int:
    return sum(1 for sql in count.statements if sql.startswith("INSERT INTO case_timeline"))


def test_the_entries_of_one_transaction_are_one_insert(case):
    with counting() as count:
        for words in ("一", "二", "三"):
            note(case, words)
        db.session.commit()
    assert inserts(count) == 1, count
    assert written("一", "二", "三") == ["一", "三", "二"]
    assert [e.summary for e in timeline.events_for(case) if e.type == "note.test"] == ["一", "二", "三"]


def test_an_entry_is_written_as_the_orm_wrote_it(case):
    entry = timeline.record(
        case, "note.test", actor=None, actor_role="system", summary="全", from_status="a", to_status="b", reason="r"
    )
    db.session.commit()
    row = db.session.get(TimelineEvent, entry.id)
    assert row is not None
    assert (row.case_id, row.type, row.actor_user_id, row.actor_role) == (case.id, "note.test", None, "system")
    assert (row.from_status, row.to_status, row.summary, row.reason, row.data) == ("a", "b", "全", "r", {})
    assert row.at == entry.at


def test_reads_in_the_same_transaction_see_waiting_entries(case):
    note(case, "读")
    assert "读" in [e.summary for e in timeline.events_for(case)]
    note(case, "自动")  # nothing else changed: no flush would write it, a read that autoflushes does
    assert db.session.scalar(select(func.count()).where(TimelineEvent.summary == "自动")) == 1
    with db.session.no_autoflush:
        note(case, "不自动")
        assert "不自动" in [e.summary for e in timeline.events_for(case)]
    db.session.rollback()
    assert written("读", "自动", "不自动") == []


def test_a_retold_entry_is_written_with_its_new_words_waiting_or_written(case):
    waiting = note(case, "旧")
    timeline.retell(waiting, "新一", data={"n": 1})  # type: ignore[arg-type]  # a plain string is stored as given
    flushed = note(case, "旧二")
    timeline.events_for(case)  # writes it
    timeline.retell(flushed, "新二", data={"n": 2})  # type: ignore[arg-type]
    db.session.commit()
    rows = {row.summary: row.data for row in timeline.events_for(case) if row.type == "note.test"}
    assert rows == {"新一": {"n": 1}, "新二": {"n": 2}}


def test_a_rolled_back_entry_is_not_written(case):
    note(case, "回滚")
    db.session.rollback()
    db.session.commit()
    assert written("回滚") == []


def test_a_savepoint_rolled_back_drops_its_entries_only(case):
    note(case, "之前")  # waits: the SAVEPOINT's flush has no ORM change to write
    nested = db.session.begin_nested()
    note(case, "里面")
    nested.rollback()
    nested = db.session.begin_nested()
    note(case, "释放")
    nested.commit()
    db.session.commit()
    assert written("之前", "里面", "释放") == ["之前", "释放"]


def test_one_transaction_keeps_an_items_entry_when_a_later_item_rolls_back(case):
    with transactions.one_transaction() as batch:
        with batch.item():
            note(case, "第一项")
            db.session.commit()  # only flushes: the entry lands inside the item's SAVEPOINT
        with pytest.raises(Conflict), batch.item():
            note(case, "第二项")
            db.session.commit()
            raise Conflict("refused")
        with batch.item():
            note(case, "第三项")
            db.session.rollback()  # this item's SAVEPOINT only
    assert written("第一项", "第二项", "第三项") == ["第一项"]


def test_a_deferred_commit_writes_the_entry_before_a_later_savepoint_rollback(case):
    held = idempotency.claim(scope="u1", key="timeline", fingerprint="f")
    assert isinstance(held, idempotency.Claim)
    with idempotency.holding(held, single_commit=True):
        note(case, "工作")
        db.session.commit()  # deferred: flush only, the entry is written in the open transaction
        nested = db.session.begin_nested()
        note(case, "另一项")
        nested.rollback()
        note(case, "未提交")
        db.session.rollback()  # after a deferred commit: undoes what came after it only
        assert written("工作") == []
        assert idempotency.answer(held, status=201, body={})
    assert written("工作", "另一项", "未提交") == ["工作"]


# Rows of several statements (issue 18): on PostgreSQL one statement (data-modifying CTEs), on SQLite one each.
_OTHER_INSERT = insert(cast(Table, TimelineEvent.__table__))  # another statement than the timeline's own
_CASES = cast(Table, Case.__table__)
_RETITLE = (
    update(_CASES)
    .where(_CASES.c.id == bindparam("retitled_case_id"))
    .values(title=bindparam("new_title"), updated_at=bindparam("retitled_at"))
)


def other_row(case: Case, words: str, **leave_out: bool) -> pending_rows.Values:
    """An entry's row for _OTHER_INSERT (made before anything else is queued: the entry only lends its values)."""
    row = timeline.record(case, "note.test", actor=None, actor_role="system", summary=words).values()
    pending_rows.discard_waiting(db.session())
    for key in leave_out:
        del row[key]
    return pending_rows.Values(row)


def test_rows_of_several_statements_are_one_statement_on_postgresql(case, database_url):
    third = other_row(case, "丙")
    with counting() as count:
        note(case, "甲")
        note(case, "乙")
        pending_rows.add(db.session(), _OTHER_INSERT, third)
        pending_rows.add(
            db.session(),
            _RETITLE,
            pending_rows.Values(retitled_case_id=case.id, new_title="新", retitled_at=clock.now()),
        )
        db.session.commit()
    writes = [sql for sql in count.statements if not sql.startswith("SELECT")]
    if database_url.startswith("postgresql"):
        assert len(writes) == 1 and writes[0].startswith("WITH"), count
    else:
        assert len(writes) == 3, count
    assert written("甲", "乙", "丙") == ["丙", "乙", "甲"]
    with db.engine.connect() as other:
        assert other.scalar(select(Case.title).where(Case.id == case.id)) == "新"


def test_a_row_without_a_defaulted_column_goes_in_its_own_statement(case):
    without_id = other_row(case, "戊", id=True)  # id: new_id() in Python
    note(case, "丁")
    pending_rows.add(db.session(), _OTHER_INSERT, without_id)
    with counting() as count:
        db.session.commit()
    assert len([sql for sql in count.statements if not sql.startswith("SELECT")]) == 2, count
    assert written("丁", "戊") == ["丁", "戊"]


def test_a_conflict_in_one_statement_writes_none_of_its_rows(case):
    taken = other_row(case, "庚")
    note(case, "己")
    pending_rows.add(db.session(), _OTHER_INSERT, taken)
    pending_rows.add(db.session(), _OTHER_INSERT, pending_rows.Values(taken.values()))  # the same id twice
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert written("己", "庚") == []
