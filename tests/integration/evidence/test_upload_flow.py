"""The phone's upload flow against each store: request a form, post the file straight to the store, complete.

Every refusal checks the item's state and that no object is left behind for it.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest

from app.evidence import complete as evidence_complete
from app.jobs import AppContextTask
from tests.integration.evidence import conftest as evidence_env
from tests.integration.evidence import samples
from tests.integration.evidence.conftest import (
    ERROR_SHAPE,
    declaration,
    fetch,
    post_form,
    row,
    upload,
)
from tests.support.factories import login

KEY = re.compile(r"^cases/[0-9a-f-]{36}/evidence/[0-9a-f]{32}$")


def request_form(env, dispute, content, who="applicant", **declared):
    response = env.api(
        "POST",
        f"/cases/{dispute.case.id}/evidence/uploads",
        dispute.headers[who],
        json=declaration(content, **declared),
    )
    assert response.status_code == 201, response.text
    return response.json()


def complete(env, dispute, evidence_id, who="applicant"):
    """Complete (202 verifying) and read the decision the job made after that request (200)."""
    return evidence_env.complete(env, dispute.headers[who], evidence_id)


def test_the_happy_path_exactly_as_a_phone_does_it(env, dispute):
    content = samples.pdf(pages=3)
    ticket = request_form(env, dispute, content)

    form = ticket["upload"]
    assert (form["method"], form["file_field"]) == ("POST", "file")
    assert form["url"].startswith(env.url if env.kind == "local" else env.store.client.meta.endpoint_url)
    assert "证据" not in form["fields"]["key"] and form["fields"]["key"].endswith(".upload")
    assert ticket["expires_at"].endswith("+00:00")
    assert row(ticket["evidence_id"]).status == "pending"

    posted = post_form(form, content)
    assert posted.status_code == 204, posted.text

    done = complete(env, dispute, ticket["evidence_id"])
    assert done.status_code == 200, done.text
    item = done.json()
    assert item["status"] == "stored" and item["rejection_reason"] is None
    assert item["sha256"] == samples.sha256(content) and item["size"] == len(content)
    assert (item["detected_type"], item["page_count"], item["filename"]) == ("application/pdf", 3, "借条.pdf")
    stored = row(ticket["evidence_id"])
    assert KEY.match(stored.object_key) and str(dispute.case.id) in stored.object_key
    assert env.keys(dispute.case.id) == [stored.object_key]  # the upload object is gone, the verified copy stays

    detail = env.api("GET", f"/evidence/{item['id']}", dispute.headers["applicant"]).json()
    download = fetch(detail["download_url"])
    assert download.status_code == 200 and download.content == content
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E5%80%9F%E6%9D%A1.pdf" in download.headers["Content-Disposition"]


def test_complete_answers_at_once_and_is_idempotent(env, dispute, monkeypatch):
    content = samples.jpeg()
    ticket = request_form(env, dispute, content, filename="现场照片.jpg", content_type="image/jpeg")
    assert post_form(ticket["upload"], content, part_type="image/jpeg").status_code == 204
    url, headers = f"/evidence/{ticket['evidence_id']}/complete", dispute.headers["applicant"]
    queued: list[tuple] = []  # the job is held back: the item stays verifying while the phone retries
    monkeypatch.setattr(AppContextTask, "apply_async", lambda task, args=(), **kwargs: queued.append(tuple(args)))
    first = env.api("POST", url, {**headers, "Idempotency-Key": "complete-1"})
    assert first.status_code == 202 and first.json()["status"] == "verifying", first.text
    assert first.json()["stored_at"] is None and first.json()["rejection_reason"] is None
    replay = env.api("POST", url, {**headers, "Idempotency-Key": "complete-1"})
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    again = env.api("POST", url, headers)  # no key, still verifying: the current state, no second job
    assert again.status_code == 202 and again.json()["status"] == "verifying"
    assert queued == [(ticket["evidence_id"],)]
    seen = env.api("GET", f"/evidence/{ticket['evidence_id']}", headers).json()  # the phone polls
    assert (seen["status"], seen["download_url"]) == ("verifying", None)
    monkeypatch.undo()
    assert evidence_complete.verify_job(uuid.UUID(ticket["evidence_id"])) == "stored"
    assert evidence_complete.verify_job(uuid.UUID(ticket["evidence_id"])) == "skipped"  # a second job acts not
    decided = env.api("POST", url, headers)
    assert decided.status_code == 200 and decided.json()["status"] == "stored"
    assert env.api("POST", url, headers).json() == decided.json()
    custody = [
        e["action"] for e in env.api("GET", f"/evidence/{decided.json()['id']}", headers).json()["custody_events"]
    ]
    assert custody.count("stored") == 1


def test_completing_before_the_upload_is_a_409_and_changes_nothing(env, dispute):
    content = samples.png()
    ticket = request_form(env, dispute, content, filename="a.png", content_type="image/png")
    early = complete(env, dispute, ticket["evidence_id"])
    assert (early.status_code, early.json()["reason"]) == (409, "evidence.not_uploaded")
    assert row(ticket["evidence_id"]).status == "pending"
    assert post_form(ticket["upload"], content, part_type="image/png").status_code == 204
    assert complete(env, dispute, ticket["evidence_id"]).json()["status"] == "stored"


@pytest.mark.parametrize(
    ("maker", "mime", "name"),
    [
        (samples.heic, "image/heic", "IMG_0001.HEIC"),
        (samples.mp4, "video/mp4", "录像.mp4"),
        (samples.m4a, "audio/mp4", "录音.m4a"),
        (samples.mp3, "audio/mpeg", "通话.mp3"),
        (samples.amr, "audio/amr", "语音.amr"),
    ],
)
def test_every_allowed_type_is_stored(env, dispute, maker, mime, name):
    content = maker()
    item = upload(env, dispute.headers["applicant"], dispute.case.id, content, content_type=mime, filename=name)
    assert (item["status"], item["detected_type"], item["filename"]) == ("stored", mime, name)
    assert item["page_count"] is None


def _rejected(env, dispute, content, reason, **declared):
    """Upload with the given declaration, complete, and check the rejection left nothing behind."""
    item = upload(env, dispute.headers["applicant"], dispute.case.id, content, **declared)
    assert (item["status"], item["rejection_reason"]) == ("rejected", reason), item
    assert env.keys(dispute.case.id) == []
    assert row(item["id"]).object_key is None
    again = complete(env, dispute, item["id"]).json()
    assert (again["status"], again["rejection_reason"]) == ("rejected", reason)
    listed = env.api("GET", f"/cases/{dispute.case.id}/evidence", dispute.headers["applicant"]).json()["items"]
    assert listed == []  # no visible row: only its owner can still read why, at GET /evidence/{id}
    assert env.api("GET", f"/evidence/{item['id']}", dispute.headers["applicant"]).json()["status"] == "rejected"
    assert env.api("GET", f"/evidence/{item['id']}", dispute.headers["respondent"]).status_code == 404
    return item


@pytest.mark.parametrize(
    ("maker", "reason"),
    [
        (samples.exe, "evidence.type_not_allowed"),
        (samples.zip_archive, "evidence.type_not_allowed"),
        (samples.gif, "evidence.type_not_allowed"),
        (samples.png, "evidence.type_mismatch"),
        (samples.polyglot, "evidence.archive_not_allowed"),
    ],
    ids=["exe", "zip", "gif", "png", "png+zip"],
)
def test_a_file_that_is_not_what_it_claims_is_rejected_and_deleted(env, dispute, maker, reason):
    content = maker()
    declared = {"content_type": "image/png", "filename": "截图.png"} if maker is samples.polyglot else {}
    _rejected(env, dispute, content, reason, **declared)  # declared as 借条.pdf unless said otherwise


def test_a_type_spoofed_by_the_extension_is_rejected(env, dispute):
    # An executable renamed to 合同.pdf and declared as a PDF: only the magic bytes count.
    _rejected(env, dispute, samples.exe(), "evidence.type_not_allowed", filename="合同.pdf")


def test_a_wrong_hash_is_rejected_and_deleted(env, dispute):
    content = samples.pdf()
    _rejected(env, dispute, content, "evidence.hash_mismatch", sha256=samples.sha256(content + b"x"))


def test_another_size_than_declared_is_refused_by_the_store_or_rejected(env, dispute):
    declared = samples.pdf()
    bigger = declared + b"%% appended\n"
    ticket = request_form(env, dispute, declared)
    posted = post_form(ticket["upload"], bigger)
    if env.enforcing:
        assert posted.status_code in (400, 413), posted.text  # the exact size is part of the signed form
    item = complete(env, dispute, ticket["evidence_id"]).json() if posted.status_code == 204 else None
    if item is not None:  # moto stored it anyway: the server's own check catches it
        assert (item["status"], item["rejection_reason"]) == ("rejected", "evidence.size_mismatch")
    else:
        assert row(ticket["evidence_id"]).status == "pending"
    assert env.keys(dispute.case.id) == []


def test_an_expired_form_is_refused_and_the_item_expires(clock, env, dispute):
    env.require_enforcement()
    env.app.config["UPLOAD_URL_EXPIRES_SECONDS"] = 1
    content = samples.pdf()
    ticket = request_form(env, dispute, content)
    clock.advance(seconds=2)
    if env.kind == "s3":
        time.sleep(2.2)  # an S3 server judges expiry by its own clock
    posted = post_form(ticket["upload"], content)
    assert posted.status_code == 403, posted.text
    done = complete(env, dispute, ticket["evidence_id"]).json()
    assert (done["status"], done["rejection_reason"]) == ("rejected", "evidence.upload_expired")
    assert env.keys(dispute.case.id) == []


def test_an_upload_never_completed_within_the_grace_period_is_rejected(clock, env, dispute):
    content = samples.pdf()
    ticket = request_form(env, dispute, content)
    assert post_form(ticket["upload"], content).status_code == 204
    config = env.app.config
    clock.advance(seconds=config["UPLOAD_URL_EXPIRES_SECONDS"] + config["EVIDENCE_PENDING_GRACE_SECONDS"] + 1)
    dispute.headers["applicant"] = login(dispute.applicant)  # the old access token has expired meanwhile
    done = complete(env, dispute, ticket["evidence_id"]).json()
    assert (done["status"], done["rejection_reason"]) == ("rejected", "evidence.upload_expired")
    assert env.keys(dispute.case.id) == []


def test_a_replayed_form_never_changes_stored_evidence(env, dispute):
    content = samples.pdf(pages=2)
    ticket = request_form(env, dispute, content)
    assert post_form(ticket["upload"], content).status_code == 204
    assert complete(env, dispute, ticket["evidence_id"]).json()["status"] == "stored"
    stored_key = row(ticket["evidence_id"]).object_key

    forged = content[:-10] + b"forged!!\n\n"  # same size, so even an enforcing store accepts the replay
    assert len(forged) == len(content)
    replay = post_form(ticket["upload"], forged)
    assert replay.status_code == 204  # the form is still valid: S3 cannot make it single-use

    again = complete(env, dispute, ticket["evidence_id"]).json()
    assert again["status"] == "stored" and again["sha256"] == samples.sha256(content)
    assert b"".join(env.store.iter_chunks(stored_key)) == content
    detail = env.api("GET", f"/evidence/{ticket['evidence_id']}", dispute.headers["applicant"]).json()
    assert fetch(detail["download_url"]).content == content
    assert stored_key in env.keys(dispute.case.id)  # the replayed object is an orphan the sweep removes


def test_a_form_cannot_be_turned_to_another_key(env, dispute):
    env.require_enforcement()
    content = samples.pdf()
    ticket = request_form(env, dispute, content)
    other = f"cases/{dispute.case.id}/evidence/{uuid.uuid4().hex}"
    posted = post_form(ticket["upload"], content, change={"key": other})
    assert posted.status_code == 403
    assert env.keys(dispute.case.id) == []


def test_someone_elses_case_is_404_like_a_case_that_does_not_exist(env, dispute):
    body = declaration(samples.pdf())
    for who in ("outsider", "other_clerk"):
        response = env.api("POST", f"/cases/{dispute.case.id}/evidence/uploads", dispute.headers[who], json=body)
        assert (response.status_code, response.json()["reason"]) == (404, "case.not_found")
        assert set(response.json()) == ERROR_SHAPE
    missing = env.api("POST", f"/cases/{uuid.uuid4()}/evidence/uploads", dispute.headers["outsider"], json=body)
    assert missing.status_code == 404 and missing.json()["message"] == response.json()["message"]
    for who in ("mediator", "clerk"):  # they see the case, but evidence comes from the parties
        response = env.api("POST", f"/cases/{dispute.case.id}/evidence/uploads", dispute.headers[who], json=body)
        assert (response.status_code, response.json()["reason"]) == (403, "evidence.not_a_party")


def test_a_retried_request_with_the_same_idempotency_key_gets_the_same_form(local_env, dispute):
    env, content = local_env, samples.pdf()
    headers = {**dispute.headers["applicant"], "Idempotency-Key": "phone-retry-1"}
    url = f"/cases/{dispute.case.id}/evidence/uploads"
    first = env.api("POST", url, headers, json=declaration(content))
    again = env.api("POST", url, headers, json=declaration(content))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    listed = env.api("GET", f"/cases/{dispute.case.id}/evidence", dispute.headers["applicant"]).json()["items"]
    assert [item["id"] for item in listed] == [first.json()["evidence_id"]]
