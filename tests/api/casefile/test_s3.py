"""A case file on a real S3 server (Ceph RGW in CI, moto otherwise): the archive goes up as a stream and the phone
downloads it with a presigned GET whose bytes match the index and the status's SHA-256."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
import requests

from app.storage.registry import EXTENSION_KEY
from tests.api.casefile.support import API
from tests.api.service.support import pdf_bytes, service_world

pytestmark = pytest.mark.s3


@pytest.fixture
def on_s3(app, s3_store):
    """The app's blob store swapped for the S3 store for this test."""
    local = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = s3_store
    try:
        yield s3_store
    finally:
        app.extensions[EXTENSION_KEY] = local


def test_the_case_file_is_built_on_s3_and_downloaded_with_a_presigned_get(client, clock, on_s3):
    world = service_world()
    content = pdf_bytes("存于S3的借条")
    declared = {
        "filename": "借条.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": "借条",
        "category": "书证",
        "purpose": "证明借款",
    }
    ticket = client.post(
        f"{API}/cases/{world.case.id}/evidence/uploads", json=declared, headers=world.respondent_headers
    )
    assert ticket.status_code == 201, ticket.get_json()
    form = ticket.get_json()["upload"]
    files = {form["file_field"]: ("x.pdf", content, "application/pdf")}
    with requests.post(form["url"], data=form["fields"], files=files, timeout=30) as posted:
        assert posted.status_code in (200, 201, 204), posted.text
    evidence_id = ticket.get_json()["evidence_id"]
    first = client.post(f"{API}/evidence/{evidence_id}/complete", headers=world.respondent_headers)
    assert first.status_code == 202, first.get_json()  # verifying: the job runs after the request
    done = client.post(f"{API}/evidence/{evidence_id}/complete", headers=world.respondent_headers)  # decided
    assert done.get_json()["status"] == "stored", done.get_json()
    queued = client.post(f"{API}/cases/{world.case.id}/case-file", headers=world.respondent_headers)
    assert queued.status_code == 202, queued.get_json()
    status = client.get(f"{API}/case-files/{queued.get_json()['build_id']}", headers=world.respondent_headers)
    body = status.get_json()
    assert body["status"] == "ready", body
    with requests.get(body["download_url"], timeout=30) as fetched:
        data = fetched.content
    assert fetched.status_code == 200 and hashlib.sha256(data).hexdigest() == body["sha256"]
    zipped = zipfile.ZipFile(io.BytesIO(data))
    index = json.loads(zipped.read("index.json"))
    for entry in index["items"]:
        assert hashlib.sha256(zipped.read(entry["path"])).hexdigest() == entry["sha256"]
    assert {entry["kind"] for entry in index["items"]} == {"evidence", "timeline"}
    [evidence] = [entry for entry in index["items"] if entry["kind"] == "evidence"]
    assert zipped.read(evidence["path"]) == content and evidence["matches_record"] is True
