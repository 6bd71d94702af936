"""The delegation sweep on N workers at once, and a recall racing the organisation's acceptance (real threads).

Meant for PostgreSQL (row locks with SKIP LOCKED, READ COMMITTED: run with TEST_DATABASE_URL); on SQLite the
database's single write lock serialises the sweeps, and the same outcome must hold.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import TimelineEvent
from app.extensions import db
from app.mediation import delegation_sweep
from app.mediation.models import CourtDelegation
from app.notifications.models import Notification
from app.utils.clock import SHANGHAI
from tests.api.mediation.helpers_delegation import COURT, MP, accept, accepted_case, build_world, send, subscribe
from tests.support.factories import login

WORKERS = 6
DELEGATIONS = 4


@pytest.fixture
def world(app, client, clock):
    w = build_world(clock)
    subscribe(client, w)
    return w


def _count(model, *conditions) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


def _in_threads(app, work, n: int) -> list:
    barrier = threading.Barrier(n)
    results: list = []

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results.append(work(index))
            except Exception as error:  # reported by the assertion below
                results.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_n_workers_sweeping_at_once_expire_and_tell_once(app, client, world):
    ids = [send(client, world, accepted_case(world).id, due="2026-11-03")["id"] for _ in range(DELEGATIONS)]
    overdue_id = send(client, world, accepted_case(world).id, due="2026-11-03")["id"]
    accept(client, world, overdue_id)
    world["clock"].set(dt.datetime(2026, 11, 4, 9, 0, tzinfo=SHANGHAI))

    results = _in_threads(app, lambda _i: delegation_sweep.sweep(), WORKERS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == DELEGATIONS + 1  # each row acted on by exactly one worker
    for d_id in ids:
        assert db.session.get(CourtDelegation, uuid.UUID(d_id)).state == "expired"
    assert _count(TimelineEvent, TimelineEvent.type == "delegation.expired") == DELEGATIONS
    assert _count(TimelineEvent, TimelineEvent.type == "delegation.overdue") == 2  # the court's case and the mediation
    assert _count(AuditEvent, AuditEvent.action == "delegation.expired") == DELEGATIONS
    assert _count(Notification, Notification.kind == "delegation_expired") == DELEGATIONS
    assert _count(Notification, Notification.kind == "delegation_overdue") == 1
    assert delegation_sweep.sweep() == 0


def test_a_recall_racing_the_acceptance_leaves_one_answer(app, client, world):
    case_id = accepted_case(world).id
    d_id = send(client, world, case_id)["id"]
    calls = [
        (f"{COURT}/delegations/{d_id}/recall", {"reason": "法院决定恢复审理"}, login(world["clerk"])),
        (f"{MP}/mediation/delegations/{d_id}/accept", {}, login(world["admin"])),
    ]

    def call(index: int) -> tuple[int, dict]:
        url, body, headers = calls[index]
        answer = app.test_client().post(url, json=body, headers=headers)
        return answer.status_code, answer.get_json()

    results = _in_threads(app, call, len(calls))
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 200] or statuses == [200, 409], results
    row = db.session.get(CourtDelegation, uuid.UUID(d_id))
    db.session.refresh(row)
    # whoever came second saw the first's answer: recalled (maybe after acceptance, its mediation ended)
    if statuses == [200, 409]:
        assert row.state in ("recalled", "accepted")
    else:
        assert (row.state, row.outcome) == ("recalled", "withdrawn")
    on_court_case = _count(TimelineEvent, TimelineEvent.case_id == case_id, TimelineEvent.type == "delegation.recalled")
    assert on_court_case == (row.state == "recalled")


@pytest.mark.parametrize("attempt", range(3))
def test_a_recall_racing_the_mediators_outcome_leaves_one_end(app, client, world, attempt):
    # PostgreSQL: the recall and the outcome lock the mediation case first. SQLite (no row locks): the outcome
    # takes the case's status with a conditional UPDATE, so a recall committed in between is not overwritten
    case_id = accepted_case(world).id
    d_id = send(client, world, case_id)["id"]
    mediation_id = accept(client, world, d_id, with_mediator=True)["mediation_case_id"]
    mediator_accepts = client.post(f"{MP}/cases/{mediation_id}/mediator/accept", headers=login(world["mediator"]))
    assert mediator_accepts.status_code == 200
    calls = [
        (f"{COURT}/delegations/{d_id}/recall", {"reason": "法院决定恢复审理"}, login(world["clerk"])),
        (
            f"{MP}/cases/{mediation_id}/outcome",
            {"result": "failed", "reason": "双方分歧较大"},
            login(world["mediator"]),
        ),
    ]

    def call(index: int) -> tuple[int, dict]:
        url, body, headers = calls[index]
        answer = app.test_client().post(url, json=body, headers=headers)
        return answer.status_code, answer.get_json()

    results = _in_threads(app, call, len(calls))
    assert sorted(status for status, _body in results) == [200, 409], results
    row = db.session.get(CourtDelegation, uuid.UUID(d_id))
    db.session.refresh(row)
    # the outcome first: returned failed; the recall first: the mediation had not started, so it is withdrawn
    assert (row.state, row.outcome) in (("returned", "failed"), ("recalled", "withdrawn"))
    ends = _count(
        TimelineEvent,
        TimelineEvent.case_id == uuid.UUID(mediation_id),
        TimelineEvent.to_status.in_(("failed", "withdrawn")),
    )
    assert ends == 1
