"""The clean-up sweep (Celery task + `flask evidence-sweep`), and "nothing lost" when the store failed meanwhile."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid

import pytest
import requests
from sqlalchemy import event as sa_event
from sqlalchemy import select

from app.evidence import sweep as evidence_sweep
from app.evidence.models import EvidenceCustodyEvent, EvidenceItem
from app.evidence.tasks import SCHEDULE_NAME, TASK_NAME, sweep_evidence
from app.extensions import celery, db
from app.storage.base import CHUNK_SIZE
from tests.integration.evidence import samples
from tests.integration.evidence.conftest import complete, declaration, post_form, row, upload

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def live_clock(clock):
    """The fake clock, started at the real time: object stores stamp objects with their own (real) clock."""
    clock.set(dt.datetime.now(dt.UTC))
    return clock


def run_sweep(app, *args: str):
    """`flask evidence-sweep --json ...`: (exit code, report)."""
    result = app.test_cli_runner().invoke(args=["evidence-sweep", "--json", *args])
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def ask(env, dispute, content, **declared):
    response = env.api(
        "POST",
        f"/cases/{dispute.case.id}/evidence/uploads",
        dispute.headers["applicant"],
        json=declaration(content, **declared),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_abandoned_uploads_are_rejected_with_their_objects_after_the_grace_period(live_clock, env, dispute):
    posted, never, recent = samples.pdf(), samples.png(), samples.jpeg()
    first = ask(env, dispute, posted)
    assert post_form(first["upload"], posted).status_code == 204
    second = ask(env, dispute, never, filename="a.png", content_type="image/png")
    live_clock.advance(seconds=env.app.config["UPLOAD_URL_EXPIRES_SECONDS"])
    third = ask(env, dispute, recent, filename="b.jpg", content_type="image/jpeg")
    live_clock.advance(seconds=env.app.config["EVIDENCE_PENDING_GRACE_SECONDS"] + 1)

    code, report = run_sweep(env.app)

    assert code == 0 and report["expired"] == 2
    for ticket in (first, second):
        item = row(ticket["evidence_id"])
        assert (item.status, item.rejection_reason) == ("rejected", "evidence.upload_expired")
        last = db.session.scalars(
            select(EvidenceCustodyEvent)
            .where(EvidenceCustodyEvent.evidence_id == item.id)
            .order_by(EvidenceCustodyEvent.at.desc())
        ).first()
        assert (last.action, last.actor_role) == ("rejected", "system")
    assert row(third["evidence_id"]).status == "pending"  # its form expired less than the grace period ago
    assert env.keys(dispute.case.id) == []
    assert run_sweep(env.app)[1]["expired"] == 0  # a second sweep finds nothing more


def test_orphans_go_after_the_grace_period_and_claimed_objects_never(env, dispute):
    kept = upload(env, dispute.headers["applicant"], dispute.case.id, samples.pdf())
    pending_content = samples.png()
    pending = ask(env, dispute, pending_content, filename="a.png", content_type="image/png")
    assert post_form(pending["upload"], pending_content, part_type="image/png").status_code == 204
    replay = ask(env, dispute, samples.pdf(pages=2))
    assert post_form(replay["upload"], samples.pdf(pages=2)).status_code == 204
    complete(env, dispute.headers["applicant"], replay["evidence_id"])
    assert post_form(replay["upload"], samples.pdf(pages=2)).status_code == 204  # a replayed form
    stray = f"cases/{dispute.case.id}/evidence/{uuid.uuid4().hex}"
    env.store.put(stray, b"no row points here", content_type="application/pdf")
    foreign = f"cases/{dispute.case.id}/documents/{uuid.uuid4().hex}"  # another feature's object
    env.store.put(foreign, b"a served document", content_type="application/pdf")
    expected = {
        row(kept["id"]).object_key,
        row(replay["evidence_id"]).object_key,
        row(pending["evidence_id"]).upload_key,
    }

    env.app.config["EVIDENCE_ORPHAN_GRACE_SECONDS"] = 3600
    assert run_sweep(env.app)[1]["orphans_deleted"] == 0  # all of them are younger than an hour
    env.app.config["EVIDENCE_ORPHAN_GRACE_SECONDS"] = 0
    code, report = run_sweep(env.app)

    assert code == 0 and report["orphans_deleted"] == 2  # the stray object and the replayed upload
    assert set(env.keys(dispute.case.id)) == expected
    assert env.store.head(foreign) is not None
    done = complete(env, dispute.headers["applicant"], pending["evidence_id"]).json()
    assert done["status"] == "stored"  # the pending upload survived the sweep and can still complete


def test_missing_or_changed_stored_objects_are_reported_and_never_deleted(env, dispute):
    items = [upload(env, dispute.headers["applicant"], dispute.case.id, samples.pdf(pages=n))["id"] for n in (1, 2, 3)]
    gone, tampered, intact = (row(i) for i in items)
    env.store.delete(gone.object_key)
    original = b"".join(env.store.iter_chunks(tampered.object_key))
    flipped = original[:200] + bytes([original[200] ^ 0x01]) + original[201:]  # one bit, the same size
    env.store.put(tampered.object_key, flipped, content_type="application/pdf")

    code, report = run_sweep(env.app)
    assert code == 1 and report["healthy"] is False
    assert (report["missing"], report["changed"], report["checked"]) == ([str(gone.id)], [str(tampered.id)], 3)
    assert env.store.head(tampered.object_key) is not None and env.store.head(intact.object_key) is not None
    assert row(str(tampered.id)).status == "stored"

    code, cheap = run_sweep(env.app, "--no-hashes")  # HEAD only: a same-size change goes unnoticed
    assert (cheap["missing"], cheap["changed"]) == ([str(gone.id)], [])
    env.store.put(tampered.object_key, original + b"%", content_type="application/pdf")
    assert run_sweep(env.app, "--no-hashes")[1]["changed"] == [str(tampered.id)]  # a size change does not


def test_the_sweep_is_a_celery_task_on_the_beat_schedule(local_env, dispute):
    upload(local_env, dispute.headers["applicant"], dispute.case.id, samples.pdf())
    outcome = sweep_evidence.delay()  # eager here: it runs now, in a fresh app context
    # .result, not .get(): Celery's "no join inside a task" flag is process-global, and concurrent eager
    # tasks in other tests' threads can leave it set; reading the finished result needs no join.
    assert outcome.successful()
    assert outcome.result["checked"] == 1 and outcome.result["healthy"] is True
    entry = celery.conf.beat_schedule[SCHEDULE_NAME]
    assert entry["task"] == TASK_NAME == sweep_evidence.name
    assert float(entry["schedule"]) > 0


def sha256_of(store, key: str) -> str:
    digest = hashlib.sha256()
    for chunk in store.iter_chunks(key):
        digest.update(chunk)
    return digest.hexdigest()


def test_nothing_acknowledged_is_lost_even_when_the_store_failed_during_uploads(live_clock, outage, dispute):
    env, switch = outage
    headers = dispute.headers["applicant"]
    acknowledged: dict[str, str] = {}

    def flow(content, **declared):
        item = upload(env, headers, dispute.case.id, content, **declared)
        if item["status"] == "stored":
            acknowledged[item["id"]] = item["sha256"]
        return item

    flow(samples.pdf(pages=1))
    flow(samples.jpeg(), filename="a.jpg", content_type="image/jpeg")
    flow(samples.pdf(), sha256="0" * 64)  # rejected: wrong hash

    interrupted = samples.pdf(pages=2) + b"%" + os.urandom(2 * CHUNK_SIZE) + b"\n"
    ticket = ask(env, dispute, interrupted)
    assert post_form(ticket["upload"], interrupted).status_code == 204
    if env.kind == "s3":
        switch.cut_after(CHUNK_SIZE)  # dies while the job reads the copy: a half-made attempt is left
    else:
        switch.down()
    # S3: `complete` saw the upload (202) and its job failed reading it: the item waits, verifying, for the sweep.
    # Local: `complete` could not look the upload up (503): the item stays pending.
    assert complete(env, headers, ticket["evidence_id"]).status_code == (202 if env.kind == "s3" else 503)
    switch.down()
    lost_form = ask(env, dispute, samples.png(), filename="b.png", content_type="image/png")
    try:
        refused = post_form(lost_form["upload"], samples.png(), part_type="image/png").status_code
    except requests.ConnectionError:
        refused = None  # S3: the phone cannot reach the bucket
    assert refused in (None, 503)
    assert complete(env, headers, lost_form["evidence_id"]).status_code == 503
    switch.up()

    done = complete(env, headers, ticket["evidence_id"]).json()
    if env.kind == "local":
        assert done["status"] == "stored"
        acknowledged[done["id"]] = done["sha256"]
    else:
        assert done["status"] == "verifying"  # a retry while verifying starts no second job
    content = samples.pdf(pages=3)
    replayed = ask(env, dispute, content)
    assert post_form(replayed["upload"], content).status_code == 204
    done = complete(env, headers, replayed["evidence_id"]).json()
    acknowledged[done["id"]] = done["sha256"]
    assert post_form(replayed["upload"], content[:-8] + b"%forged\n").status_code == 204  # a replayed form
    flow(samples.m4a(), filename="录音.m4a", content_type="audio/mp4")

    live_clock.advance(days=2)  # past every grace period
    code, report = run_sweep(env.app)

    if env.kind == "s3":  # the sweep re-enqueued the verifying item's lost job (eager: it ran) before its check
        assert report["requeued"] == 1
        verified = row(ticket["evidence_id"])
        assert verified.status == "stored"
        acknowledged[str(verified.id)] = verified.declared_sha256
    assert code == 0 and report["healthy"] is True and report["checked"] == len(acknowledged) == 5
    db.session.rollback()
    rows = db.session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == dispute.case.id)).all()
    assert {str(r.id): r.declared_sha256 for r in rows if r.status == "stored"} == acknowledged
    assert not [r for r in rows if r.status in ("pending", "verifying")]
    for item in (r for r in rows if r.status == "stored"):
        assert sha256_of(env.store, item.object_key) == acknowledged[str(item.id)]
    assert set(env.keys(dispute.case.id)) == {r.object_key for r in rows if r.status == "stored"}


def test_a_store_larger_than_one_page_is_swept_page_by_page_with_one_lookup_per_page(env, dispute):
    kept = upload(env, dispute.headers["applicant"], dispute.case.id, samples.pdf())
    pending_content = samples.png()
    pending = ask(env, dispute, pending_content, filename="a.png", content_type="image/png")
    assert post_form(pending["upload"], pending_content, part_type="image/png").status_code == 204
    strays = [f"cases/{uuid.uuid4()}/evidence/{uuid.uuid4().hex}" for _ in range(4)]
    strays += [f"cases/{dispute.case.id}/evidence/{uuid.uuid4().hex}.upload" for _ in range(3)]
    for key in strays:
        env.store.put(key, b"no row points here", content_type="application/pdf")
    foreign = f"cases/{dispute.case.id}/documents/{uuid.uuid4().hex}"
    env.store.put(foreign, b"a served document", content_type="application/pdf")
    claimed = {row(kept["id"]).object_key, row(pending["evidence_id"]).upload_key}
    everything = [info.key for info in env.store.list("cases/")]
    evidence_keys = [key for key in everything if key != foreign]
    assert set(evidence_keys) == claimed | set(strays)
    pages = -(-len(everything) // 3)
    assert pages >= 4

    env.app.config["EVIDENCE_ORPHAN_GRACE_SECONDS"] = 3600
    code, young = run_sweep(env.app, "--page-size", "3")
    assert code == 0 and (young["pages"], young["listed"]) == (pages, len(evidence_keys))
    assert (young["orphans_deleted"], young["orphans_too_young"]) == (0, len(strays))

    env.app.config["EVIDENCE_ORPHAN_GRACE_SECONDS"] = 0
    lookups = []

    def count(_conn, _cursor, statement, *_args):
        if "evidence_items" in statement:
            lookups.append(statement)

    report = evidence_sweep.SweepReport()
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        evidence_sweep.delete_orphans(report, page_size=3)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)

    assert (report.pages, report.listed, report.orphans_deleted) == (pages, len(evidence_keys), len(strays))
    assert 1 <= len(lookups) <= report.pages  # one query per page, never one per object
    assert {info.key for info in env.store.list("cases/")} == claimed | {foreign}
    done = complete(env, dispute.headers["applicant"], pending["evidence_id"]).json()
    assert done["status"] == "stored"
    code, after = run_sweep(env.app, "--page-size", "3")
    assert code == 0 and after["healthy"] and after["orphans_deleted"] == 0 and after["checked"] == 2
