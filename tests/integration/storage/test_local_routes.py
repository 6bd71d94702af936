"""The HTTP routes that serve the local store's forms and links: limits, headers, and when they exist."""

from __future__ import annotations

import io
import urllib.parse

import pytest
import requests

from app.storage.base import content_disposition
from tests.conftest import make_app
from tests.integration.storage.helpers import (
    ERROR_SHAPE,
    PDF,
    Case,
    assert_refused,
    fetch,
    phone_upload,
    random_bytes,
    rfc5987_name,
)
from tests.support.live_server import live_server

UPLOADS = "/api/public/v1/storage/uploads"
OBJECTS = "/api/public/v1/storage/objects"


@pytest.fixture
def small_body_server(database_url, tmp_path):
    """The local store served with MAX_CONTENT_LENGTH = 64 KiB."""

    def build(url: str):
        return make_app(database_url, tmp_path, PUBLIC_BASE_URL=url, MAX_CONTENT_LENGTH=64 * 1024)

    with live_server(factory=build) as server:
        yield server


def store_of(server):
    return server.app.extensions["microcourt.storage"]


def test_a_body_over_max_content_length_is_413_in_the_error_shape(small_body_server):
    store = store_of(small_body_server)
    case = Case()
    form = store.create_upload_form(key=case.key(), content_type="application/pdf", max_size=1024 * 1024)
    response = phone_upload(form, random_bytes(100 * 1024))
    assert_refused(store, response, case, local=(413, "request.too_large"), s3=(400, "EntityTooLarge"))


def test_a_missing_field_or_file_is_422_and_stores_nothing(local_server):
    store = store_of(local_server)
    case = Case()
    form = store.create_upload_form(key=case.key(), content_type="application/pdf", max_size=1024)
    without_policy = {name: value for name, value in form.fields.items() if name != "policy"}
    with requests.post(form.url, data=without_policy, files={"file": ("a.pdf", PDF[:10])}, timeout=10) as r:
        assert (r.status_code, r.json()["reason"]) == (422, "validation.failed")
        assert "policy" in r.json()["errors"]
    with requests.post(form.url, data=form.fields, timeout=10) as r:
        assert r.status_code == 422 and "file" in r.json()["errors"]
    assert list(store.list(case.prefix)) == []


def test_a_download_sends_the_signed_type_and_safe_headers(local_server):
    store = store_of(local_server)
    key = Case().key()
    store.put(key, b"<html><script>alert(1)</script></html>", content_type="text/html")
    response = fetch(store.download_url(key, filename="page.html", content_type="text/html"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Length"] == str(len(response.content))


def test_a_valid_link_to_a_deleted_object_is_404(local_server):
    store = store_of(local_server)
    key = Case().key()
    store.put(key, PDF, content_type="application/pdf")
    link = store.download_url(key, filename="a.pdf")
    store.delete(key)
    response = fetch(link)
    assert (response.status_code, response.json()["reason"]) == (404, "resource.not_found")


def test_the_routes_do_not_exist_unless_the_backend_is_local(database_url, tmp_path):
    app = make_app(database_url, tmp_path, STORAGE_BACKEND="s3", S3_ENDPOINT_URL="http://127.0.0.1:1")
    client = app.test_client()
    upload = client.post(UPLOADS, data={"key": "cases/a/evidence/b", "file": (io.BytesIO(b"x"), "x")})
    download = client.get(OBJECTS + "?key=cases/a/evidence/b&exp=9999999999&name=a&type=text/plain&sig=0")
    for response in (upload, download):
        body = response.get_json()
        assert response.status_code == 404 and set(body) == ERROR_SHAPE
        assert body["reason"] == "resource.not_found"


HOSTILE_NAMES = [
    "../../etc/passwd",
    "a\r\nSet-Cookie: x=1.pdf",
    "nul\x00byte.pdf",
    "invoice\u202egnp.exe",  # right-to-left override
    'quote".pdf',
    "证据 借条（第1页）.pdf",
    "长" * 400 + ".pdf",
    "",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_file_names_never_reach_a_header_unescaped(name):
    header = content_disposition(name)
    assert header.isascii() and header.isprintable()
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert all(bad not in fallback for bad in ('"', "\\", "/", "\r", "\n", "\x00"))
    decoded = rfc5987_name(header)
    assert decoded and decoded == decoded.strip()
    assert not any(ch in decoded for ch in "/\\\r\n\x00\u202e")
    assert len(decoded) <= 150
    if name.endswith(".pdf"):
        assert decoded.endswith(".pdf")


def test_a_hostile_name_downloads_with_a_clean_header(local_server):
    store = store_of(local_server)
    key = Case().key()
    store.put(key, PDF, content_type="application/pdf")
    response = fetch(store.download_url(key, filename="a\r\nX-Injected: 1\u202e.pdf"))
    assert response.status_code == 200 and "X-Injected" not in response.headers
    assert urllib.parse.quote("X-Injected") in response.headers["Content-Disposition"]
