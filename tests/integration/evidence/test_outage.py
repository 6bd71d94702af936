"""A store outage during an upload: fast 503 with Retry-After, nothing half-visible, and recovery on its own.

S3 is reached through a TCP proxy that drops connections (a real network failure, not a patched function);
the local store's folder is replaced by a file (every write and read fails, even as root).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
import requests
from celery.exceptions import Retry

from app.evidence import complete as evidence_complete
from app.evidence import sweep as evidence_sweep
from app.evidence.tasks import verify_evidence
from app.jobs import AppContextTask
from app.storage.base import CHUNK_SIZE
from tests.integration.evidence import samples
from tests.integration.evidence.conftest import ERROR_SHAPE, LocalSwitch, complete, declaration, fetch, post_form, row

pytestmark = pytest.mark.timeout(120)


def assert_unavailable(response: requests.Response) -> None:
    body = response.json()
    assert response.status_code == 503 and set(body) == ERROR_SHAPE, response.text
    assert body["reason"] == "storage.unavailable"
    assert int(response.headers["Retry-After"]) >= 1


def test_an_outage_during_the_upload_is_a_503_and_nothing_is_half_visible(outage, dispute):
    env, switch = outage
    content = samples.pdf(pages=2)
    ticket = env.api(
        "POST", f"/cases/{dispute.case.id}/evidence/uploads", dispute.headers["applicant"], json=declaration(content)
    )
    assert ticket.status_code == 201  # signing a form needs no store
    form, evidence_id = ticket.json()["upload"], ticket.json()["evidence_id"]

    switch.down()
    if env.kind == "local":
        assert_unavailable(post_form(form, content))  # the app itself receives the file: 503 + Retry-After
    else:
        with pytest.raises(requests.ConnectionError):
            post_form(form, content)  # the phone cannot reach the bucket at all
    assert_unavailable(complete(env, dispute.headers["applicant"], evidence_id))
    assert_unavailable(complete(env, dispute.headers["applicant"], evidence_id))

    # Nothing half-visible: the item is a pending draft of its owner only, with no object and no trace.
    assert row(evidence_id).status == "pending" and row(evidence_id).object_key is None
    for who in ("respondent", "mediator", "clerk"):
        assert env.api("GET", f"/cases/{dispute.case.id}/evidence", dispute.headers[who]).json()["items"] == []
    mine = env.api("GET", f"/cases/{dispute.case.id}/evidence", dispute.headers["applicant"]).json()["items"]
    assert [(i["id"], i["status"]) for i in mine] == [(evidence_id, "pending")]
    assert env.api("POST", f"/evidence/{evidence_id}/submit", dispute.headers["applicant"]).status_code == 409

    switch.up()
    assert env.keys(dispute.case.id) == []  # no partial object was left
    assert post_form(form, content).status_code == 204  # the same form works once the store is back
    done = complete(env, dispute.headers["applicant"], evidence_id).json()
    assert done["status"] == "stored" and done["sha256"] == samples.sha256(content)
    detail = env.api("GET", f"/evidence/{evidence_id}", dispute.headers["applicant"]).json()
    assert fetch(detail["download_url"]).content == content


def test_a_store_that_fails_while_the_file_is_verified_changes_nothing(outage, dispute):
    env, switch = outage
    if env.kind == "local":
        pytest.skip("the local store cannot be made to fail half-way through one read; see the S3 case")
    content = samples.pdf(pages=1) + b"%" + os.urandom(3 * CHUNK_SIZE) + b"\n"
    ticket = env.api(
        "POST", f"/cases/{dispute.case.id}/evidence/uploads", dispute.headers["applicant"], json=declaration(content)
    ).json()
    assert post_form(ticket["upload"], content).status_code == 204

    switch.cut_after(CHUNK_SIZE)  # every answer stops after 256 KiB: the HEAD and copy pass, the read does not
    first = env.api("POST", f"/evidence/{ticket['evidence_id']}/complete", dispute.headers["applicant"])
    assert first.status_code == 202 and first.json()["status"] == "verifying"
    assert row(ticket["evidence_id"]).status == "verifying"  # the job met the failure: never rejected for it

    switch.up()
    assert verify_evidence.apply(args=[ticket["evidence_id"]]).get() == "stored"  # the job's retry
    done = complete(env, dispute.headers["applicant"], ticket["evidence_id"]).json()
    assert done["status"] == "stored" and done["sha256"] == samples.sha256(content)
    stored = row(ticket["evidence_id"]).object_key
    assert b"".join(env.store.iter_chunks(stored)) == content


@pytest.fixture
def live_clock(clock):
    """The fake clock, started at the real time (object stores stamp objects with their own clock)."""
    clock.set(dt.datetime.now(dt.UTC))
    return clock


def test_a_store_down_during_the_job_keeps_the_item_verifying_until_a_retry_or_the_sweep(
    live_clock, outage, dispute, monkeypatch
):
    env, switch = outage
    content = samples.pdf(pages=2)
    headers = dispute.headers["applicant"]
    ticket = env.api("POST", f"/cases/{dispute.case.id}/evidence/uploads", headers, json=declaration(content)).json()
    assert post_form(ticket["upload"], content).status_code == 204
    evidence_id = ticket["evidence_id"]
    queued: list[dict] = []  # the job is lost (a worker died, the broker was down): nothing runs it
    monkeypatch.setattr(
        AppContextTask, "apply_async", lambda task, args=(), kwargs=None, **options: queued.append(options)
    )
    assert env.api("POST", f"/evidence/{evidence_id}/complete", headers).status_code == 202
    assert len(queued) == 1

    switch.down()
    assert verify_evidence.apply(args=[evidence_id]).get() == "verifying"  # embedded: left for the sweep
    verify_evidence.push_request(is_eager=False, called_directly=False, retries=2, id="job-1", args=[evidence_id])
    try:  # a worker retries with backoff (30 s doubled per retry)
        with pytest.raises(Retry):
            verify_evidence.run(evidence_id)
    finally:
        verify_evidence.pop_request()
    assert queued[-1]["countdown"] == 120
    item = row(evidence_id)
    assert (item.status, item.rejection_reason, item.object_key) == ("verifying", None, None)
    mine = env.api("GET", f"/cases/{dispute.case.id}/evidence", headers).json()["items"]
    assert [(i["id"], i["status"]) for i in mine] == [(evidence_id, "verifying")]
    assert env.api("GET", f"/cases/{dispute.case.id}/evidence", dispute.headers["respondent"]).json()["items"] == []
    assert env.api("POST", f"/evidence/{evidence_id}/submit", headers).json()["reason"] == "evidence.not_stored"
    assert evidence_sweep.requeue_verifying() == 0  # too early: the job may still be running
    switch.up()
    monkeypatch.undo()

    live_clock.advance(seconds=evidence_complete.REQUEUE_AFTER_SECONDS + 1)
    assert evidence_sweep.requeue_verifying() == 1  # the sweep enqueues the lost job again; it runs (eager)
    assert row(evidence_id).status == "stored"
    assert evidence_sweep.requeue_verifying() == 0
    done = complete(env, headers, evidence_id)
    assert done.status_code == 200 and done.json()["status"] == "stored"


def test_deleting_a_draft_during_an_outage_changes_nothing(outage, dispute):
    env, switch = outage
    content = samples.png()
    ticket = env.api(
        "POST",
        f"/cases/{dispute.case.id}/evidence/uploads",
        dispute.headers["applicant"],
        json=declaration(content, filename="a.png", content_type="image/png"),
    ).json()
    assert post_form(ticket["upload"], content, part_type="image/png").status_code == 204
    complete(env, dispute.headers["applicant"], ticket["evidence_id"])
    switch.down()
    assert_unavailable(env.api("DELETE", f"/evidence/{ticket['evidence_id']}", dispute.headers["applicant"]))
    switch.up()
    assert row(ticket["evidence_id"]).status == "stored"
    assert env.api("DELETE", f"/evidence/{ticket['evidence_id']}", dispute.headers["applicant"]).status_code == 204
    assert env.keys(dispute.case.id) == []


def test_the_local_switch_really_takes_the_store_away(app, tmp_path):
    """The fixture's own check: with the folder replaced by a file, a write fails, and it comes back."""
    root = tmp_path / "blobs"
    root.mkdir()
    (root / "kept").write_text("x")
    switch = LocalSwitch(root)
    switch.down()
    with pytest.raises(OSError):
        (root / "objects").mkdir(parents=True)
    switch.up()
    assert (root / "kept").read_text() == "x"
    shutil.rmtree(root)
