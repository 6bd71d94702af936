"""Legal effect and appeals under concurrency (real threads): N sweeps at once make each decision effective once,
and one party's appeals sent at once are filed once. Run on PostgreSQL too (TEST_DATABASE_URL): there the case row
lock serialises them; on SQLite the database's single write lock does.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.cases.models import TimelineEvent
from app.extensions import db
from app.litigation import effect
from app.litigation.models import Appeal
from app.notifications.models import Notification
from tests.api.litigation.support import MP, status_of
from tests.api.litigation.test_transitions import adjudicated

THREADS = 6


def _together(app, work, n: int = THREADS) -> list:
    barrier, results = threading.Barrier(n), []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            results.append(work())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_sweeps_at_once_make_each_decision_effective_once(app, clock):
    worlds = [adjudicated(status="adjudicated") for _ in range(3)]
    clock.advance(days=20)
    results = _together(app, effect.mark_effective)
    assert sum(results) == 3, results
    db.session.expire_all()
    for world in worlds:
        assert status_of(world.case.id) == "effective"
        events = select(func.count()).where(
            TimelineEvent.case_id == world.case.id, TimelineEvent.type == "litigation.effective"
        )
        assert db.session.scalar(events) == 1
    told = select(func.count()).where(Notification.kind == "litigation_effective")
    assert db.session.scalar(told) == 2 * len(worlds)  # each case's two parties, once


def test_one_partys_appeals_sent_at_once_are_filed_once(app, clock):
    world = adjudicated(status="adjudicated")
    headers = world.headers("defendant")
    url = f"{MP}/cases/{world.case.id}/appeals"
    body = {"statement": "撤销原判", "grounds": "事实认定错误"}
    answers = _together(app, lambda: app.test_client().post(url, json=body, headers=headers), n=4)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 409, 409, 409], [answer.get_json() for answer in answers]
    assert {a.get_json()["reason"] for a in answers if a.status_code == 409} == {"litigation.already_appealed"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1 and status_of(world.case.id) == "appealed"
