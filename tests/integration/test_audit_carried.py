"""An audit append carried by the write it records (app/audit/log.py `record_carried`, `carrying`; issue 18).

On PostgreSQL the append waits in the transaction (app/platform/pending_rows.py) until a write statement built with
`carrying` takes it: the head's advance and the event are two more CTEs of that statement, and the advance names a
row the write returned, so nothing is appended when the write changed nothing. A wrong guess of the chain position,
a shard without a head, concurrent writers and an append no statement takes all leave a chain that verifies. SQLite
appends at once, as `record` does.
"""

from __future__ import annotations

import hashlib
import threading
import uuid

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, Table, bindparam, func, insert, select, text
from sqlalchemy.orm.exc import StaleDataError

from app.audit import log as audit
from app.audit.models import AuditEvent, AuditHead
from app.documents import combined
from app.extensions import db
from tests.api.service.support import push, service_world
from tests.conftest import is_postgres
from tests.integration.test_statement_budgets import counting
from tests.support.cases import file_case
from tests.support.factories import login, make_org, make_user

# A write that carries the append, built once as callers build theirs: `written` returns a row when :wrote is true.
_PROBE = Table("carried_probe", MetaData(), Column("n", Integer), prefixes=["TEMPORARY"])
_WRITTEN = select(bindparam("n", type_=Integer).label("n")).where(bindparam("wrote", type_=Boolean)).cte("written")
_CARRYING = audit.carrying(insert(_PROBE).from_select(["n"], select(_WRITTEN.c.n)), _WRITTEN)
ACTOR = "carrier"


@pytest.fixture
def postgres(app, database_url):
    if not is_postgres(database_url):
        pytest.skip("SQLite has no data-modifying CTEs: record_carried appends at once")


def carried_write(*, wrote: bool = True, action: str = "test.carried", actor: str = ACTOR) -> None:
    """`record_carried`, then the write that carries it (in the caller's transaction)."""
    db.session.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS carried_probe (n integer)"))
    audit.record_carried(action, actor_kind="user", actor_id=actor, object_type="thing", details={"n": 1})
    carried = audit.take_carried(db.session())
    assert carried is not None
    returned = db.session.execute(_CARRYING, {"n": 1, "wrote": wrote, **carried.params}).first()
    carried.settle(returned)


def positions(actor: str = ACTOR) -> list[int]:
    query = text("SELECT shard_seq FROM audit_events WHERE shard = :s ORDER BY shard_seq")
    return [row[0] for row in db.session.execute(query, {"s": audit.shard_of("user", actor)})]


def head(actor: str = ACTOR) -> tuple[int, str] | None:
    found = db.session.get(AuditHead, audit.shard_of("user", actor), populate_existing=True)
    return (found.last_seq, found.last_hash) if found is not None else None


def appended(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def test_a_held_guess_rides_in_the_write(postgres):
    audit.record("test.first", actor_kind="user", actor_id=ACTOR)  # this process now knows the head
    db.session.commit()
    with counting() as count:
        carried_write()
    assert len(count.statements) == 2, count  # the temporary table, and the write with the append
    db.session.commit()
    assert positions() == [1, 2] and audit.verify().ok and audit.verify().checked == 2


def test_a_wrong_guess_lands_at_the_heads_position(postgres):
    """Another process appended meanwhile: the carried advance misses, the event is written after, in place."""
    audit.record("test.first", actor_kind="user", actor_id=ACTOR)
    db.session.commit()
    stale = dict(audit._seen)
    audit.record("test.other_process", actor_kind="user", actor_id=ACTOR)
    db.session.commit()
    audit._seen.clear()
    audit._seen.update(stale)
    with counting() as count:
        carried_write()
    assert len(count.statements) == 3, count  # one more: the event and the head's hash at the real position
    db.session.commit()
    assert positions() == [1, 2, 3] and audit.verify().ok and audit.verify().checked == 3
    assert db.session.scalar(select(AuditEvent.shard_seq).where(AuditEvent.action == "test.carried")) == 3


def test_a_shard_without_a_head_gets_one(postgres):
    """The carried advance finds no head row: the append is made whole after the write (head created, then in)."""
    audit.record("test.first", actor_kind="user", actor_id=ACTOR)
    db.session.commit()
    with db.engine.begin() as connection:  # the guess stays: it names a head that is gone
        connection.execute(text("DELETE FROM audit_events"))
        connection.execute(text("DELETE FROM audit_head"))
    carried_write()
    db.session.commit()
    assert positions() == [1] and head() is not None and audit.verify().ok


def test_nothing_is_appended_when_the_write_wrote_nothing(postgres):
    audit.record("test.first", actor_kind="user", actor_id=ACTOR)
    db.session.commit()
    before = head()
    carried_write(wrote=False)
    assert head() == before and appended("test.carried") == 0  # in the same transaction: no advance, no event
    db.session.commit()
    assert positions() == [1] and audit.verify().ok


def test_a_documents_update_that_matched_no_row_appends_nothing(postgres):
    """A document act's audit append rides in the document's UPDATE (app/documents/combined.py): no row, no event."""
    audit.record("test.first", actor_kind="user", actor_id=ACTOR)
    db.session.commit()
    before = head()
    audit.record_carried("document.open", actor_kind="user", actor_id=ACTOR, object_type="served_document")
    missing = uuid.uuid4()
    event = {"id": uuid.uuid4(), "document_id": missing, "seq": 2, "type": "opened", "data": {}, "hash": "h"}
    with pytest.raises(StaleDataError):
        combined.update_with_events(db.session(), ("status",), {"status": "read", "document_id": missing}, [event])
    assert audit.take_carried(db.session()) is None  # taken by the statement, which wrote nothing
    assert head() == before and appended("document.open") == 0
    db.session.rollback()
    assert positions() == [1] and audit.verify().ok


def test_an_append_no_statement_takes_is_written_before_the_commit(postgres):
    audit.record("test.first", actor_kind="user", actor_id=ACTOR)
    db.session.commit()
    audit.record_carried("test.alone", actor_kind="user", actor_id=ACTOR)
    assert positions() == [1]  # waiting (a Core read does not write it; an ORM read would, as it autoflushes)
    db.session.commit()
    assert positions() == [1, 2] and appended("test.alone") == 1 and audit.verify().ok


def test_an_orm_read_finds_the_waiting_append_written(postgres):
    audit.record_carried("test.read", actor_kind="user", actor_id=ACTOR)
    assert appended("test.read") == 1  # an autoflushing statement writes what waits, as it would ORM objects
    db.session.commit()
    assert positions() == [1] and audit.verify().ok


def test_a_waiting_append_goes_before_a_later_one_and_a_rollback_drops_it(postgres):
    audit.record_carried("test.a", actor_kind="user", actor_id=ACTOR)
    second = audit.record("test.b", actor_kind="user", actor_id=ACTOR)  # the waiting one is written first
    assert second.shard_seq == 2
    db.session.commit()
    audit.record_carried("test.rolled_back", actor_kind="user", actor_id=ACTOR)
    db.session.rollback()
    audit.record("test.c", actor_kind="user", actor_id=ACTOR)
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.shard, AuditEvent.shard_seq))
    assert list(actions) == ["test.a", "test.b", "test.c"] and audit.verify().ok


def test_a_savepoints_rollback_drops_the_append_queued_in_it(postgres):
    audit.record("test.first", actor_kind="user", actor_id=ACTOR)
    savepoint = db.session.begin_nested()
    audit.record_carried("test.in_savepoint", actor_kind="user", actor_id=ACTOR)
    savepoint.rollback()
    db.session.commit()
    assert appended("test.in_savepoint") == 0 and positions() == [1] and audit.verify().ok


def test_concurrent_carried_writers_leave_no_gap(app, database_url, postgres):
    """Threads share this process's guesses (each one's append moves them for the others: misses, as another process
    would cause) and two threads write each chain; every chain stays gap-free and verifies."""
    threads_count, per_thread = 8, 8
    errors = []

    def writer(number: int) -> None:
        try:
            with app.app_context():
                for _ in range(per_thread):
                    carried_write(action="test.concurrent", actor=f"writer-{number % (threads_count // 2)}")
                    db.session.commit()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    chains: dict[int, list[int]] = {}
    for shard, shard_seq in db.session.execute(text("SELECT shard, shard_seq FROM audit_events ORDER BY seq")):
        chains.setdefault(shard, []).append(shard_seq)
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in chains.values())
    assert sum(len(seqs) for seqs in chains.values()) == threads_count * per_thread
    assert audit.verify().ok


def test_sqlite_appends_at_once(app, database_url):
    if is_postgres(database_url):
        pytest.skip("PostgreSQL carries the append")
    audit.record_carried("test.now", actor_kind="user", actor_id=ACTOR)
    assert appended("test.now") == 1 and audit.take_carried(db.session()) is None
    db.session.commit()
    assert audit.verify().ok


@pytest.mark.parametrize("guess", ["held", "stale", "no head"])
def test_a_document_act_carries_its_append_whatever_the_guess(client, postgres, guess):
    """Open and acknowledge: the document's UPDATE carries the act's audit append (held guess), or the append lands
    after it at the head's real position (a stale guess, a shard whose head is gone): one event per act, in place."""
    world = service_world()
    document_id = push(client, world).get_json()["document_id"]
    headers = world.respondent_headers
    db.session.close()
    for act, method, url in (
        ("document.open", "GET", f"/api/mp/v1/documents/{document_id}"),
        ("document.acknowledge", "POST", f"/api/mp/v1/documents/{document_id}/acknowledge"),
    ):
        if guess == "stale":  # another process appended to every chain this process knows
            for engine_id, shard in list(audit._seen):
                seq, last_hash = audit._seen[(engine_id, shard)]
                audit._seen[(engine_id, shard)] = (seq - 1, last_hash) if seq > 1 else (seq, "f" * 64)
        elif guess == "no head":
            with db.engine.begin() as connection:
                connection.execute(text("DELETE FROM audit_events"))
                connection.execute(text("DELETE FROM audit_head"))
        with counting() as count:
            answer = client.open(url, method=method, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        # auth, the locked document, its UPDATE with the event and the append; a miss: the event at the real place;
        # no head: the append whole after the UPDATE found none (advance, create the head, advance, the event)
        assert len(count.statements) == {"held": 3, "stale": 4, "no head": 7}[guess], count
        db.session.close()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == act)).all()
        assert [(event.object_type, event.object_id) for event in events] == [("served_document", document_id)]
        assert audit.verify().ok, audit.verify()


@pytest.mark.parametrize("guess", ["held", "stale", "no head"])
def test_an_evidence_upload_carries_its_append_whatever_the_guess(client, postgres, guess):
    """The item's INSERT carries the `requested` custody event's audit mirror, or it lands after at its place."""
    user = make_user(real_name="张三")
    case = file_case(user, org=make_org())
    headers = login(user)
    url = f"/api/mp/v1/cases/{case.id}/evidence/uploads"
    content = b"%PDF-1.4\n" + b"x" * 100 + b"\n%%EOF\n"
    body = {
        "filename": "借条.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": "借条",
        "category": "书证",
        "purpose": "证明借款",
    }
    assert client.post(url, json=body, headers={**headers, "Idempotency-Key": "warm"}).status_code == 201
    db.session.close()
    if guess == "stale":
        for key, (seq, _hash) in list(audit._seen.items()):
            audit._seen[key] = (seq, "f" * 64)
    elif guess == "no head":
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
            connection.execute(text("DELETE FROM audit_head"))
    with counting() as count:
        answer = client.post(url, json=body, headers={**headers, "Idempotency-Key": "carried"})
    assert answer.status_code == 201, answer.get_json()
    # test_evidence_upload_one_insert.py's count; a miss: one more; no head: four more (as for a document act)
    assert len(count.statements) == {"held": 5, "stale": 6, "no head": 9}[guess], count  # the key claimed with auth
    db.session.close()
    evidence_id = answer.get_json()["evidence_id"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == evidence_id)).all()
    assert [event.action for event in events] == ["evidence.requested"]
    assert audit.verify().ok, audit.verify()
