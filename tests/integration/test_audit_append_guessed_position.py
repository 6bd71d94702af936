"""An append guesses its chain position from this process's last append (app/audit/log.py `_ADVANCE`, issue 18):
one statement on PostgreSQL when the guess holds (two on SQLite), and when it does not (another process appended,
a rollback, no guess yet) the event still lands at the head's real position, checked on the locked row.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.audit import log as audit
from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import is_postgres
from tests.integration.test_statement_budgets import counting


def append(action: str = "test.event", actor: str = "guesser") -> audit.Recorded:
    event = audit.record(action, actor_kind="user", actor_id=actor, object_type="thing", details={"n": 1})
    db.session.commit()
    return event


def positions(actor: str = "guesser") -> list[int]:
    shard = audit.shard_of("user", actor)
    query = text("SELECT shard_seq FROM audit_events WHERE shard = :s ORDER BY shard_seq")
    return [row[0] for row in db.session.execute(query, {"s": shard})]


def test_an_append_whose_guess_holds_is_one_statement_on_postgresql(app, database_url):
    append()  # this process now knows the shard's head
    with counting() as count:
        audit.record("test.event", actor_kind="user", actor_id="guesser")
    assert len(count.statements) == (1 if is_postgres(database_url) else 2), count
    db.session.commit()
    assert positions() == [1, 2] and audit.verify().ok


def test_a_stale_guess_still_lands_at_the_heads_position(app, database_url):
    """Another process appended meanwhile: the guess misses, the head is advanced once, the event lands after."""
    append()
    stale = dict(audit._seen)
    append("test.other_process")  # what another process would have appended
    audit._seen.clear()
    audit._seen.update(stale)
    with counting() as count:
        event = audit.record("test.event", actor_kind="user", actor_id="guesser")
    assert len(count.statements) == (2 if is_postgres(database_url) else 3), count
    db.session.commit()
    assert event.shard_seq == 3 and positions() == [1, 2, 3]
    assert audit.verify().ok and audit.verify().checked == 3


def test_the_same_event_appended_meanwhile_is_not_taken_for_a_held_guess(app, clock):
    """With a frozen clock the event appended meanwhile hashes exactly as the stale guess would: the head comes out
    with that hash one position further on, which is a miss, not this event's position."""
    append()
    stale = dict(audit._seen)
    twin = append()
    audit._seen.clear()
    audit._seen.update(stale)
    event = append()
    assert event.hash != twin.hash and (twin.shard_seq, event.shard_seq) == (2, 3)
    assert positions() == [1, 2, 3] and audit.verify().ok


def test_a_rolled_back_append_leaves_no_trace_and_the_next_one_its_place(app):
    append()
    audit.record("test.rolled_back", actor_kind="user", actor_id="guesser")  # the guess moves on, the head will not
    db.session.rollback()
    event = append()
    assert event.shard_seq == 2 and positions() == [1, 2]
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "test.rolled_back")) == 0
    assert audit.verify().ok


def test_a_new_shards_first_event_after_its_head_was_rolled_back(app):
    """The head row itself is created in the rolled-back transaction: the next append creates it again."""
    audit.record("test.rolled_back", actor_kind="user", actor_id="fresh")
    db.session.rollback()
    event = append(actor="fresh")
    assert event.shard_seq == 1 and event.prev_hash == audit.GENESIS and positions("fresh") == [1]
    assert audit.verify().ok


def test_appends_in_one_transaction_follow_each_other(app):
    """Every append of a transaction guesses from the one before (its own uncommitted head) and is read back in it."""
    first = audit.record("test.a", actor_kind="user", actor_id="guesser")
    second = audit.record("test.b", actor_kind="user", actor_id="guesser")
    assert (first.shard_seq, second.shard_seq, second.prev_hash) == (1, 2, first.hash)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2  # in the table before the COMMIT
    db.session.commit()
    assert audit.verify().ok and audit.export_head()["seq"] == 2
