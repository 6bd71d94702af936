"""Races a flaky phone network produces: repeated completes, uploads at a limit, duplicate opinions (PostgreSQL)."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from app.evidence import complete as evidence_complete
from app.evidence.models import EvidenceCustodyEvent, EvidenceItem
from app.extensions import db
from app.jobs import AppContextTask
from tests.conftest import is_postgres
from tests.integration.evidence import samples
from tests.integration.evidence.conftest import declaration, post_form, upload

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
THREADS = 8


@pytest.fixture(autouse=True)
def _postgres_only(database_url):
    if not is_postgres(database_url):
        pytest.skip("row locks (SELECT ... FOR UPDATE) are what these races test; SQLite has none")


def race(call, times: int = THREADS) -> list:
    """Run `call` from `times` threads released at once; return their results."""
    barrier, results, lock = threading.Barrier(times), [], threading.Lock()

    def run():
        barrier.wait()
        result = call()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == times
    return results


def test_concurrent_completes_start_one_job_and_raced_jobs_decide_once(local_env, dispute, monkeypatch):
    env = local_env
    content = samples.pdf(pages=2) + b"%" + b"x" * 600_000 + b"\n"
    ticket = env.api(
        "POST", f"/cases/{dispute.case.id}/evidence/uploads", dispute.headers["applicant"], json=declaration(content)
    ).json()
    assert post_form(ticket["upload"], content).status_code == 204
    queued: list[tuple] = []
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, args=(), kwargs=None, **o: queued.append(args))

    url = f"/evidence/{ticket['evidence_id']}/complete"
    answers = race(lambda: env.api("POST", url, dispute.headers["applicant"]))

    assert {a.status_code for a in answers} == {202}
    assert {a.json()["status"] for a in answers} == {"verifying"}
    assert queued == [(ticket["evidence_id"],)]  # one conditional UPDATE won: one job

    def job() -> str:  # a redelivered job, a sweep's re-enqueue and the first one, at once
        with env.app.app_context():
            return evidence_complete.verify_job(uuid.UUID(ticket["evidence_id"]))

    assert set(race(job)) <= {"stored", "skipped"}
    db.session.rollback()
    actions = Counter(
        db.session.scalars(
            select(EvidenceCustodyEvent.action).where(EvidenceCustodyEvent.evidence_id == ticket["evidence_id"])
        )
    )
    assert actions["stored"] == 1
    item = db.session.get(EvidenceItem, ticket["evidence_id"])
    assert item.status == "stored"
    assert env.keys(dispute.case.id) == [item.object_key]  # the losers' copies were removed


def test_uploads_raced_at_the_file_limit_never_exceed_it(local_env, dispute):
    env = local_env
    env.app.config["EVIDENCE_MAX_FILES_PER_CASE"] = 3
    body = declaration(samples.pdf())
    url = f"/cases/{dispute.case.id}/evidence/uploads"
    answers = race(lambda: env.api("POST", url, dispute.headers["applicant"], json=body))
    assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * (THREADS - 3)
    db.session.rollback()
    orders = db.session.scalars(select(EvidenceItem.catalogue_order).where(EvidenceItem.case_id == dispute.case.id))
    assert sorted(orders) == [1, 2, 3]


def test_the_byte_quota_holds_under_a_race(local_env, dispute):
    env = local_env
    content = samples.pdf()
    env.app.config["EVIDENCE_MAX_BYTES_PER_USER"] = 2 * len(content)
    body, url = declaration(content), f"/cases/{dispute.case.id}/evidence/uploads"
    answers = race(lambda: env.api("POST", url, dispute.headers["applicant"], json=body))
    assert sorted(a.status_code for a in answers) == [201] * 2 + [409] * (THREADS - 2)


def test_one_opinion_per_party_even_when_raced(local_env, dispute):
    env = local_env
    item = upload(env, dispute.headers["applicant"], dispute.case.id, samples.pdf())
    env.api("POST", f"/evidence/{item['id']}/submit", dispute.headers["applicant"])
    body = {"authenticity": "disputed", "legality": "admitted", "relevance": "admitted", "comment": "伪造"}
    url = f"/evidence/{item['id']}/opinions"
    callers = itertools.cycle(["respondent", "lawyer"])  # the party and its lawyer: one party, one opinion
    headers = [dispute.headers[next(callers)] for _ in range(THREADS)]
    answers = race(lambda: env.api("POST", url, headers.pop(), json=body))
    assert sorted(a.status_code for a in answers) == [201] + [409] * (THREADS - 1)
    assert {a.json()["reason"] for a in answers if a.status_code == 409} == {"evidence.opinion_exists"}
