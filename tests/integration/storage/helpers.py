"""Helpers for the storage suite: keys, phone-style uploads, and what a refusal must look like."""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.parse
import uuid

import requests

from app.storage.base import BlobStore, UploadForm

ERROR_SHAPE = {"code", "status", "reason", "message", "errors", "request_id"}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4 + "证据".encode() + b"\n%%EOF\n"
CHINESE_NAME = "证据 借条.pdf"


class Case:
    """Server-style keys under one case prefix, so a test can prove nothing else appeared."""

    def __init__(self) -> None:
        self.prefix = f"cases/{uuid.uuid4().hex}/"

    def key(self) -> str:
        """A fresh evidence key inside this case."""
        return f"{self.prefix}evidence/{uuid.uuid4().hex}"


def phone_upload(
    form: UploadForm,
    content: bytes,
    *,
    change: dict[str, str] | None = None,
    part_type: str = "application/pdf",
) -> requests.Response:
    """POST exactly what `wx.uploadFile` sends: the form's fields, then one file part named as the form says."""
    fields = {**form.fields, **(change or {})}
    files = {form.file_field: ("证据.pdf", content, part_type)}
    with requests.post(form.url, data=fields, files=files, timeout=30) as response:
        response.content  # noqa: B018 - read it all so the connection is released
    return response


def fetch(url: str) -> requests.Response:
    """GET a download link the way a phone's downloadFile does."""
    with requests.get(url, timeout=30) as response:
        response.content  # noqa: B018
    return response


DENIED = {"AccessDenied", "SignatureDoesNotMatch"}  # Ceph RGW says AccessDenied where AWS may say the other


def s3_error_code(response: requests.Response) -> str:
    """The <Code> of an S3 XML error body."""
    match = re.search(r"<Code>([^<]+)</Code>", response.text)
    assert match, response.text
    return match.group(1)


def assert_refused(
    store: BlobStore,
    response: requests.Response,
    case: Case,
    *,
    local: tuple[int, str],
    s3: tuple[int, str | set[str]],
) -> None:
    """The store said no, for the expected reason in its own dialect, and left no object (nor temp file)."""
    if store.name == "local":
        body = response.json()
        assert (response.status_code, body["reason"]) == local, body
        assert set(body) == ERROR_SHAPE
    else:
        status, codes = s3
        assert response.status_code == status, response.text
        assert s3_error_code(response) in ({codes} if isinstance(codes, str) else codes)
    assert list(store.list(case.prefix)) == []
    if store.name == "local":
        folder = store.root / "objects" / case.prefix  # type: ignore[attr-defined]
        assert [path for path in folder.rglob("*") if path.is_file()] == []  # no temp file either


def signature_field(form: UploadForm) -> str:
    """The name of the form's signature field in this store's dialect."""
    return "x-amz-signature" if "x-amz-signature" in form.fields else "signature"


def decode_policy(store: BlobStore, encoded: str) -> dict:
    """Read a form's signed policy (standard base64 for S3, URL-safe unpadded for the local store)."""
    if store.name == "s3":
        return json.loads(base64.b64decode(encoded))
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


def forge_policy(store: BlobStore, encoded: str, max_size: int) -> str:
    """Rewrite a form's policy to allow bigger files, keeping the old signature (an attacker's move)."""
    policy = decode_policy(store, encoded)
    if store.name == "s3":
        for condition in policy["conditions"]:
            if isinstance(condition, list) and condition[0] == "content-length-range":
                condition[2] = max_size
        return base64.b64encode(json.dumps(policy).encode()).decode()
    policy["max"] = max_size
    raw = json.dumps(policy, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def with_query(url: str, **changes: str) -> str:
    """The same URL with some query parameters replaced; the others keep their exact encoding."""
    parts = urllib.parse.urlsplit(url)
    pairs = []
    for pair in parts.query.split("&"):
        name = urllib.parse.unquote_plus(pair.split("=", 1)[0])
        if name in changes:
            pair = f"{urllib.parse.quote(name, safe='')}={urllib.parse.quote(changes.pop(name), safe='')}"
        pairs.append(pair)
    assert not changes, f"not in the URL: {sorted(changes)}"
    return urllib.parse.urlunsplit(parts._replace(query="&".join(pairs)))


def rfc5987_name(disposition: str) -> str:
    """The UTF-8 file name from a Content-Disposition header's filename* parameter."""
    marker = "filename*=UTF-8''"
    assert marker in disposition, disposition
    return urllib.parse.unquote(disposition.split(marker, 1)[1].split(";", 1)[0].strip())


def random_bytes(size: int) -> bytes:
    """Incompressible content of an exact size."""
    return os.urandom(size)
