"""Limits from configuration, checked when an upload is requested and again when it completes."""

from __future__ import annotations

import pytest

from tests.integration.evidence import samples
from tests.integration.evidence.conftest import complete, declaration, post_form, row, upload

LIMIT = 4096


def padded_pdf(size: int) -> bytes:
    """A PDF of exactly `size` bytes (a comment pads it)."""
    base = samples.pdf(pages=1)
    assert size >= len(base) + 2
    return base + b"%" + b"x" * (size - len(base) - 2) + b"\n"


def ask(env, dispute, content, who="applicant", **declared):
    return env.api(
        "POST",
        f"/cases/{dispute.case.id}/evidence/uploads",
        dispute.headers[who],
        json=declaration(content, **declared),
    )


@pytest.mark.parametrize(("size", "status"), [(LIMIT - 1, 201), (LIMIT, 201), (LIMIT + 1, 413)])
def test_the_per_type_size_limit_at_its_edges(local_env, dispute, size, status):
    local_env.app.config["EVIDENCE_MAX_BYTES_PDF"] = LIMIT
    response = ask(local_env, dispute, padded_pdf(size))
    assert response.status_code == status, response.text
    if status == 413:
        assert response.json()["reason"] == "evidence.too_large" and "size" in response.json()["errors"]
    else:
        assert post_form(response.json()["upload"], padded_pdf(size)).status_code == 204


def test_each_type_has_its_own_limit(local_env, dispute):
    local_env.app.config.update(EVIDENCE_MAX_BYTES_IMAGE=100, EVIDENCE_MAX_BYTES_PDF=10**6)
    assert ask(local_env, dispute, samples.jpeg(), content_type="image/jpeg", filename="a.jpg").status_code == 413
    assert ask(local_env, dispute, samples.pdf()).status_code == 201


def test_the_local_store_caps_every_type_at_max_content_length(local_env, dispute):
    local_env.app.config.update(MAX_CONTENT_LENGTH=128 * 1024, EVIDENCE_MAX_BYTES_VIDEO=10**9)
    response = ask(local_env, dispute, samples.mp4(), content_type="video/mp4", filename="a.mp4", size=200 * 1024)
    assert (response.status_code, response.json()["reason"]) == (413, "evidence.too_large")


def test_types_off_the_allow_list_are_refused_at_the_request(local_env, dispute):
    for mime in ("application/zip", "application/x-msdownload", "text/html", "image/gif", "image/svg+xml", ""):
        response = ask(local_env, dispute, samples.pdf(), content_type=mime, filename="a")
        assert response.status_code == 422 and "content_type" in response.json()["errors"], mime
    alias = ask(local_env, dispute, samples.m4a(), content_type="audio/x-m4a", filename="录音.m4a")
    assert alias.status_code == 201 and alias.json()["upload"]["fields"]["Content-Type"] == "audio/mp4"


def test_the_declaration_is_validated_and_server_fields_are_refused(local_env, dispute):
    content = samples.pdf()
    for change, field in (
        ({"sha256": "xyz"}, "sha256"),
        ({"size": 0}, "size"),
        ({"size": "12"}, "size"),
        ({"category": "传闻"}, "category"),
        ({"title": ""}, "title"),
        ({"status": "stored"}, "status"),
        ({"object_key": "cases/x/evidence/y"}, "object_key"),
        ({"submitted": True}, "submitted"),
    ):
        response = ask(local_env, dispute, content, **change)
        assert response.status_code == 422 and field in response.json()["errors"], change


def test_files_per_party_per_case(local_env, dispute):
    local_env.app.config["EVIDENCE_MAX_FILES_PER_CASE"] = 2
    for _ in range(2):
        assert ask(local_env, dispute, samples.pdf()).status_code == 201  # pending ones count too
    third = ask(local_env, dispute, samples.pdf())
    assert (third.status_code, third.json()["reason"]) == (409, "evidence.too_many_files")
    other_side = ask(local_env, dispute, samples.pdf(), who="respondent")  # the other party has its own room
    assert other_side.status_code == 201


def test_a_rejected_or_deleted_item_gives_its_room_back(local_env, dispute):
    env = local_env
    env.app.config["EVIDENCE_MAX_FILES_PER_CASE"] = 1
    bad = upload(env, dispute.headers["applicant"], dispute.case.id, samples.exe())
    assert bad["status"] == "rejected"
    good = upload(env, dispute.headers["applicant"], dispute.case.id, samples.pdf())
    assert good["status"] == "stored"
    assert ask(env, dispute, samples.pdf()).status_code == 409
    assert env.api("DELETE", f"/evidence/{good['id']}", dispute.headers["applicant"]).status_code == 204
    assert ask(env, dispute, samples.pdf()).status_code == 201


def test_bytes_per_user_across_cases(local_env, dispute):
    content = samples.pdf()
    local_env.app.config["EVIDENCE_MAX_BYTES_PER_USER"] = 2 * len(content)
    assert ask(local_env, dispute, content).status_code == 201
    assert ask(local_env, dispute, content).status_code == 201
    over = ask(local_env, dispute, content)
    assert (over.status_code, over.json()["reason"]) == (409, "evidence.quota_exceeded")
    lawyer = ask(local_env, dispute, content, who="lawyer")  # another uploader, another quota
    assert lawyer.status_code == 201


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("EVIDENCE_MAX_BYTES_PDF", 100, "evidence.too_large"),
        ("EVIDENCE_MAX_FILES_PER_CASE", 1, "evidence.too_many_files"),
        ("EVIDENCE_MAX_BYTES_PER_USER", 100, "evidence.quota_exceeded"),
    ],
)
def test_limits_are_checked_again_on_complete(local_env, dispute, setting, value, reason):
    env = local_env
    first = upload(env, dispute.headers["applicant"], dispute.case.id, samples.pdf())  # one stored item already
    assert first["status"] == "stored"
    content = samples.pdf(pages=2)
    ticket = ask(env, dispute, content).json()
    assert post_form(ticket["upload"], content).status_code == 204
    env.app.config[setting] = value  # the operator lowers a limit while the phone uploads
    done = complete(env, dispute.headers["applicant"], ticket["evidence_id"]).json()
    assert (done["status"], done["rejection_reason"]) == ("rejected", reason)
    assert env.keys(dispute.case.id) == [row(first["id"]).object_key]
