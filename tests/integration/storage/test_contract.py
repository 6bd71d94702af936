"""The BlobStore contract, run against every adapter (local over HTTP; Ceph RGW or moto for S3).

What works the same everywhere uses `blob_store`; what only a policy-enforcing store can prove uses
`enforcing_store`, which skips on moto rather than pass without checking anything.
"""

from __future__ import annotations

import io
import time
import urllib.parse

import pytest

from app.storage.base import CHUNK_SIZE, BlobStore
from app.utils import clock
from tests.integration.storage.helpers import (
    CHINESE_NAME,
    DENIED,
    PDF,
    Case,
    assert_refused,
    decode_policy,
    fetch,
    forge_policy,
    phone_upload,
    random_bytes,
    rfc5987_name,
    s3_error_code,
    signature_field,
    with_query,
)

LIMIT = 4096


def test_a_phone_uploads_with_the_form_and_downloads_with_the_link(blob_store: BlobStore):
    case = Case()
    key = case.key()
    form = blob_store.create_upload_form(key=key, content_type="application/pdf", max_size=1024 * 1024)
    assert (form.method, form.file_field) == ("POST", "file")
    assert form.expires_at > clock.now()

    response = phone_upload(form, PDF)

    assert response.status_code == 204, response.text
    info = blob_store.head(key)
    assert info is not None
    assert (info.key, info.size, info.content_type) == (key, len(PDF), "application/pdf")
    assert b"".join(blob_store.iter_chunks(key)) == PDF

    link = blob_store.download_url(key, filename=CHINESE_NAME, content_type="application/pdf")
    download = fetch(link)
    assert download.status_code == 200, download.text
    assert download.content == PDF
    assert download.headers["Content-Type"].split(";")[0] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{urllib.parse.quote(CHINESE_NAME, safe='')}" in disposition
    assert rfc5987_name(disposition) == CHINESE_NAME


def test_a_file_bigger_than_one_chunk_streams_in_bounded_chunks(blob_store: BlobStore):
    key = Case().key()
    content = random_bytes(2 * CHUNK_SIZE + 12345)
    form = blob_store.create_upload_form(key=key, content_type="image/jpeg", max_size=1024 * 1024)

    assert phone_upload(form, content, part_type="image/jpeg").status_code == 204

    assert blob_store.head(key).size == len(content)
    chunks = list(blob_store.iter_chunks(key))
    assert len(chunks) >= 3 and all(len(chunk) <= CHUNK_SIZE for chunk in chunks)
    assert b"".join(chunks) == content
    small = list(blob_store.iter_chunks(key, chunk_size=64 * 1024))
    assert len(small) >= 9 and b"".join(small) == content
    assert fetch(blob_store.download_url(key, filename="photo.jpg")).content == content

    partial = blob_store.iter_chunks(key)
    assert next(partial) == content[:CHUNK_SIZE]
    partial.close()  # a reader that stops early releases the file or connection (a leak fails the run)
    blob_store.iter_chunks(key).close()


def test_put_list_and_delete(blob_store: BlobStore):
    case, other = Case(), Case()
    first, second, elsewhere = case.key(), case.key(), other.key()
    blob_store.put(first, b"server-written certificate", content_type="application/pdf")
    info = blob_store.put(second, io.BytesIO(b"x" * 3000), content_type="text/plain")
    blob_store.put(elsewhere, b"not in this case", content_type="application/pdf")
    assert (info.key, info.size) == (second, 3000)
    assert blob_store.head(first).content_type == "application/pdf"

    listed = {item.key: item.size for item in blob_store.list(case.prefix)}
    assert listed == {first: len(b"server-written certificate"), second: 3000}

    blob_store.delete(first)
    assert blob_store.head(first) is None
    assert [item.key for item in blob_store.list(case.prefix)] == [second]
    assert blob_store.head(elsewhere) is not None
    blob_store.delete(first)  # deleting what is gone is not an error


def test_a_missing_object_is_none_for_head_and_keyerror_for_reads(blob_store: BlobStore):
    missing = Case().key()
    assert blob_store.head(missing) is None
    with pytest.raises(KeyError):
        blob_store.iter_chunks(missing)  # at call time, before any byte is promised to a client


def test_check_passes_when_the_store_is_up(blob_store: BlobStore):
    blob_store.check()


def test_the_form_signs_the_exact_key_type_and_size_range(blob_store: BlobStore):
    key = Case().key()
    form = blob_store.create_upload_form(key=key, content_type="application/pdf", max_size=LIMIT, min_size=1)
    policy = decode_policy(blob_store, form.fields["policy"])
    assert form.fields["key"] == key and form.fields["Content-Type"] == "application/pdf"
    if blob_store.name == "s3":
        conditions = policy["conditions"]
        assert ["content-length-range", 1, LIMIT] in conditions
        assert {"Content-Type": "application/pdf"} in conditions
        assert {"key": key} in conditions
        assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    else:
        assert (policy["key"], policy["content_type"], policy["min"], policy["max"]) == (
            key,
            "application/pdf",
            1,
            LIMIT,
        )


@pytest.mark.parametrize("size", [LIMIT - 1, LIMIT], ids=["limit-1", "limit"])
def test_sizes_inside_the_signed_range_are_accepted(blob_store: BlobStore, size: int):
    key = Case().key()
    form = blob_store.create_upload_form(key=key, content_type="application/pdf", max_size=LIMIT)
    assert phone_upload(form, random_bytes(size)).status_code == 204
    assert blob_store.head(key).size == size


@pytest.mark.parametrize(
    ("size", "local", "s3"),
    [
        (LIMIT + 1, (413, "storage.too_large"), (400, "EntityTooLarge")),
        (0, (400, "storage.too_small"), (400, "EntityTooSmall")),
    ],
    ids=["limit+1", "empty"],
)
def test_sizes_outside_the_signed_range_are_refused(enforcing_store: BlobStore, size, local, s3):
    case = Case()
    form = enforcing_store.create_upload_form(key=case.key(), content_type="application/pdf", max_size=LIMIT)
    assert_refused(enforcing_store, phone_upload(form, random_bytes(size)), case, local=local, s3=s3)


def test_another_content_type_is_refused(enforcing_store: BlobStore):
    case = Case()
    form = enforcing_store.create_upload_form(key=case.key(), content_type="application/pdf", max_size=LIMIT)
    response = phone_upload(form, b"<script>alert(1)</script>", change={"Content-Type": "text/html"})
    assert_refused(enforcing_store, response, case, local=(403, "storage.type_mismatch"), s3=(403, "AccessDenied"))


def test_another_key_is_refused(enforcing_store: BlobStore):
    case = Case()
    form = enforcing_store.create_upload_form(key=case.key(), content_type="application/pdf", max_size=LIMIT)
    response = phone_upload(form, PDF[:100], change={"key": case.key()})
    assert_refused(enforcing_store, response, case, local=(403, "storage.key_mismatch"), s3=(403, "AccessDenied"))


def test_a_tampered_signature_is_refused(enforcing_store: BlobStore):
    case = Case()
    form = enforcing_store.create_upload_form(key=case.key(), content_type="application/pdf", max_size=LIMIT)
    field = signature_field(form)
    signature = form.fields[field]
    tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    response = phone_upload(form, PDF[:100], change={field: tampered})
    assert_refused(enforcing_store, response, case, local=(403, "storage.signature_invalid"), s3=(403, DENIED))


def test_a_forged_policy_is_refused(enforcing_store: BlobStore):
    case = Case()
    form = enforcing_store.create_upload_form(key=case.key(), content_type="application/pdf", max_size=LIMIT)
    forged = forge_policy(enforcing_store, form.fields["policy"], max_size=10 * LIMIT)
    response = phone_upload(form, random_bytes(2 * LIMIT), change={"policy": forged})
    assert_refused(enforcing_store, response, case, local=(403, "storage.signature_invalid"), s3=(403, DENIED))


def test_an_expired_form_and_an_expired_link_are_refused(enforcing_store: BlobStore, request):
    case = Case()
    stored = Case().key()
    enforcing_store.put(stored, PDF, content_type="application/pdf")
    if enforcing_store.name == "local":
        fake = request.getfixturevalue("clock")
        form = enforcing_store.create_upload_form(
            key=case.key(), content_type="application/pdf", max_size=LIMIT, expires_in=60
        )
        link = enforcing_store.download_url(stored, filename=CHINESE_NAME, expires_in=60)
        fake.advance(seconds=61)
    else:
        form = enforcing_store.create_upload_form(
            key=case.key(), content_type="application/pdf", max_size=LIMIT, expires_in=1
        )
        link = enforcing_store.download_url(stored, filename=CHINESE_NAME, expires_in=1)
        time.sleep(2.2)  # the suite's only sleep: an S3 server judges expiry by its own clock

    response = phone_upload(form, PDF[:100])
    assert_refused(enforcing_store, response, case, local=(403, "storage.form_expired"), s3=(403, "AccessDenied"))
    download = fetch(link)
    assert download.status_code == 403
    assert PDF not in download.content
    if enforcing_store.name == "local":
        assert download.json()["reason"] == "storage.link_expired"
    else:
        assert s3_error_code(download) == "AccessDenied"


@pytest.mark.parametrize("part", ["name", "signature"])
def test_a_tampered_link_is_refused(enforcing_store: BlobStore, part: str):
    key = Case().key()
    enforcing_store.put(key, PDF, content_type="application/pdf")
    link = enforcing_store.download_url(key, filename=CHINESE_NAME, content_type="application/pdf")
    local = enforcing_store.name == "local"
    if part == "name":
        field = "name" if local else "response-content-disposition"
        value = "evil.html" if local else 'inline; filename="evil.html"'
    else:
        field = "sig" if local else "X-Amz-Signature"
        value = "0" * 64
    download = fetch(with_query(link, **{field: value}))
    assert download.status_code == 403
    assert PDF not in download.content
    if local:
        assert download.json()["reason"] == "storage.signature_invalid"
    else:
        assert s3_error_code(download) in DENIED
    assert fetch(link).content == PDF  # the genuine link still works
