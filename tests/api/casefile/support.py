"""Case-file test helpers: evidence uploaded over HTTP the way the phone does it, and reading a built archive."""

from __future__ import annotations

import hashlib
import io
import json
import urllib.parse
import zipfile

from tests.api.service.support import pdf_bytes

API = "/api/mp/v1"


def upload(client, headers: dict, case_id, *, title: str, submit: bool) -> dict:
    """Request a form, post the file to the (local) store, complete, and submit if asked; returns item + bytes."""
    content = pdf_bytes(title)
    body = {
        "filename": f"{title}.pdf",
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "title": title,
        "category": "书证",
        "purpose": f"证明{title}",
    }
    ticket = client.post(f"{API}/cases/{case_id}/evidence/uploads", json=body, headers=headers)
    assert ticket.status_code == 201, ticket.get_json()
    form = ticket.get_json()["upload"]
    target = urllib.parse.urlsplit(form["url"]).path
    sent = client.post(target, data={**form["fields"], form["file_field"]: (io.BytesIO(content), "x.pdf")})
    assert sent.status_code in (200, 201, 204), sent.get_data(as_text=True)
    evidence_id = ticket.get_json()["evidence_id"]
    first = client.post(f"{API}/evidence/{evidence_id}/complete", headers=headers)
    assert first.status_code == 202, first.get_json()  # verifying: the job runs after the request
    done = client.post(f"{API}/evidence/{evidence_id}/complete", headers=headers)  # decided
    assert done.status_code == 200 and done.get_json()["status"] == "stored", done.get_json()
    if submit:
        shared = client.post(f"{API}/evidence/{evidence_id}/submit", headers=headers)
        assert shared.status_code == 200, shared.get_json()
    return {"id": evidence_id, "title": title, "content": content}


def download(client, url: str):
    """Fetch a link the way wx.downloadFile does (the local store's signed link is served by the app)."""
    parts = urllib.parse.urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}")
    response.get_data()  # read it all, then release the file the store opened
    response.close()
    return response


def open_zip(data: bytes) -> tuple[zipfile.ZipFile, dict]:
    """The archive and its parsed index.json."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive, json.loads(archive.read("index.json"))
