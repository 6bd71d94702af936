"""A multipart part without a name is a malformed request (400 in the one error shape), never a 500."""

import json

import pytest

from tests.api.service.support import BATCH, PUSH, meta, pdf_bytes, service_world
from tests.support.factories import login, make_user

BOUNDARY = "mc-boundary"


def _body(*parts: tuple[str, bytes]) -> bytes:
    """A hand-made multipart body: (Content-Disposition parameters, content) per part."""
    chunks = []
    for disposition, content in parts:
        chunks.append(f"--{BOUNDARY}\r\nContent-Disposition: form-data{disposition}\r\n\r\n".encode())
        chunks.append(content + b"\r\n")
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


def _post(client, path, body, headers):
    return client.post(path, data=body, headers=headers, content_type=f"multipart/form-data; boundary={BOUNDARY}")


@pytest.mark.parametrize("path", [PUSH, BATCH])
@pytest.mark.parametrize("unnamed", ["field", "file"])
def test_unnamed_part_is_400_for_a_court_client_and_a_citizen(client, path, unnamed):
    world = service_world()
    document_meta = json.dumps(meta(world), ensure_ascii=False).encode()
    items = json.dumps([{"idempotency_key": "u-1", "file": "doc", "meta": meta(world)}]).encode()
    named = ('; name="meta"', document_meta) if path == PUSH else ('; name="items"', items)
    stray = ("", b"value") if unnamed == "field" else ('; filename="a.pdf"', pdf_bytes())
    body = _body(named, stray, ('; name="file"; filename="doc.pdf"', pdf_bytes()))
    citizen = login(make_user(real_name="张三", phone="13500000077"))  # not a number service_world hands out (1380...)
    for headers in (world.machine_headers, citizen):
        response = _post(client, path, body, {**headers, "Idempotency-Key": f"unnamed-{unnamed}"})
        assert response.status_code in (400, 403, 422), response.get_data(as_text=True)
        error = response.get_json()
        assert set(error) >= {"code", "status", "reason", "message", "errors", "request_id"}
    response = _post(client, path, body, {**world.machine_headers, "Idempotency-Key": f"unnamed-{unnamed}-2"})
    assert response.status_code == 400 and response.get_json()["reason"] == "request.multipart_part_unnamed"


@pytest.mark.parametrize("unnamed", ["field", "file"])
def test_batch_without_a_key_is_not_a_500(client, unnamed):
    world = service_world()
    items = json.dumps([{"idempotency_key": "u-1", "file": "doc", "meta": meta(world)}]).encode()
    stray = ("", b"value") if unnamed == "field" else ('; filename="a.pdf"', pdf_bytes())
    body = _body(('; name="items"', items), stray, ('; name="doc"; filename="doc.pdf"', pdf_bytes()))
    response = _post(client, BATCH, body, world.machine_headers)
    assert response.status_code < 500  # without a key nothing fingerprints the parts; the schema decides
