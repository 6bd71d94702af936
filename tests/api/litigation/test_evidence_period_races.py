"""Races on PostgreSQL: the court's staff setting the period at once, deciding one late item at once, and a party's
applications sent together: one wins, the others get the answer for a decided question, and nothing is doubled."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import func, select

from app.documents import ServedDocument
from app.evidence.period_models import EvidencePeriod, EvidencePeriodExtension
from app.extensions import db
from app.utils.clock import SHANGHAI
from tests.api.litigation.evidence_period_support import COURT, MP, accepted_case, upload
from tests.conftest import is_postgres

THREADS = 6


def race(app, calls) -> list[tuple[int, str | None]]:
    """Run each call (a function of a test client) at the same moment; their statuses and reasons."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, str | None]] = []

    def run(call):
        client = app.test_client()
        barrier.wait()
        response = call(client)
        body = response.get_json() or {}
        results.append((response.status_code, body.get("reason") if response.status_code >= 400 else None))

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def postgres(database_url):
    if not is_postgres(database_url):
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time, so a race there proves nothing")


@pytest.mark.postgres
def test_setting_the_period_at_once_sets_it_once_and_serves_one_notice_each(app, postgres):
    world = accepted_case()
    headers = [world.headers("clerk" if n % 2 else "machine", f"k-{uuid.uuid4()}") for n in range(THREADS)]
    url = f"{COURT}/cases/{world.case.id}/evidence-period"
    results = race(
        app, [lambda c, h=h: c.post(url, json={"procedure": "ordinary", "days": 20}, headers=h) for h in headers]
    )
    assert sorted(results, key=str) == sorted(
        [(201, None)] + [(409, "evidence_period.already_set")] * (THREADS - 1), key=str
    )
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(EvidencePeriod)) == 1
    served = db.session.scalar(
        select(func.count()).select_from(ServedDocument).where(ServedDocument.case_id == world.case.id)
    )
    assert served == 2


@pytest.mark.postgres
def test_a_partys_applications_sent_together_leave_one_pending(app, postgres, clock):
    clock.set(dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    set_ = app.test_client().post(
        f"{COURT}/cases/{world.case.id}/evidence-period",
        json={"procedure": "summary", "days": 10},
        headers=world.headers("clerk"),
    )
    assert set_.status_code == 201
    url = f"{MP}/cases/{world.case.id}/evidence-period/extensions"
    headers = world.headers("defendant")
    results = race(app, [lambda c: c.post(url, json={"days": 3, "reason": "证人出差"}, headers=headers)] * THREADS)
    assert sorted(results, key=str) == sorted(
        [(201, None)] + [(409, "evidence_period.pending")] * (THREADS - 1), key=str
    )
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(EvidencePeriodExtension)) == 1


@pytest.mark.postgres
def test_one_late_item_is_decided_once(app, postgres, clock):
    clock.set(dt.datetime(2026, 9, 16, 10, 0, tzinfo=SHANGHAI))
    world = accepted_case()
    client = app.test_client()
    set_ = client.post(
        f"{COURT}/cases/{world.case.id}/evidence-period",
        json={"procedure": "summary", "days": 10},
        headers=world.headers("clerk"),
    )
    assert set_.status_code == 201
    clock.set(dt.datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
    item = upload(client, world.case.id, world.headers("plaintiff"), "收据", late_reason="新发现")
    url = f"{COURT}/evidence/{item['id']}/late-decision"
    headers = [world.headers("judge" if n % 2 else "clerk", f"k-{uuid.uuid4()}") for n in range(THREADS)]
    calls = [
        lambda c, n=n: c.post(url, json={"admitted": n % 2 == 0, "reason": "经审查"}, headers=headers[n])
        for n in range(THREADS)
    ]
    results = race(app, calls)
    assert sorted(results, key=str) == sorted([(200, None)] + [(409, "evidence.late_decided")] * (THREADS - 1), key=str)
