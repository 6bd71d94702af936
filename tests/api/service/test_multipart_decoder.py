"""miniprogram_api/multipart.py finds every boundary exactly where werkzeug's compiled patterns do, and the app parses
multipart bodies with it (issue 18: no regex compiled per request)."""

from __future__ import annotations

import io
import json
import random
import re

import pytest
from werkzeug.formparser import MultiPartParser
from werkzeug.sansio.multipart import MultipartDecoder

from miniprogram_api import multipart
from tests.api.service.support import PUSH, meta, pdf_bytes, service_world

PIECES = [b"\r\n", b"\n", b"\r", b"--", b" ", b"\t", b"x", b"--", b"\r\n\r\n", b"-", b"ab"]


def _bodies(rng: random.Random, boundary: bytes) -> list[bytes]:
    found = []
    for _ in range(300):
        parts = [rng.choice([*PIECES, boundary, b"--" + boundary, boundary[:-1]]) for _ in range(rng.randint(0, 14))]
        found.append(b"".join(parts))
    return found


@pytest.mark.parametrize("seed", range(8))
def test_boundary_search_matches_werkzeugs_patterns(seed):
    rng = random.Random(seed)
    boundary = rng.choice([b"b", b"--", b"abc-def", b"x" * 70, b"-x-", b"WebKitFormBoundary7MA4YWxkTrZu0gW"])
    reference = MultipartDecoder(boundary)
    ours = multipart.Decoder(boundary)
    for body in _bodies(rng, boundary):
        for data in (body, bytearray(body)):
            for pos in range(min(len(body), 4) + 1):
                for name in ("preamble_re", "boundary_re"):
                    want = getattr(reference, name).search(data, pos)
                    got = getattr(ours, name).search(data, pos)
                    if want is None:
                        assert got is None, (name, body, pos)
                    else:
                        assert got is not None, (name, body, pos)
                        assert (got.start(), got.end(), got.group(1)) == (want.start(), want.end(), want.group(1))


def _form(boundary: bytes, parts: list[tuple[str, str | None, bytes]], *, preamble: bytes = b"") -> bytes:
    out = [preamble]
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.append(b"--" + boundary + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + content)
        out.append(b"\r\n")
    out.append(b"--" + boundary + b"--\r\n")
    return b"".join(out)


def _parsed(parser: MultiPartParser, body: bytes, boundary: bytes) -> tuple[list, list]:
    form, files = parser.parse(io.BytesIO(body), boundary, len(body))
    read = []
    for key, part in files.items(multi=True):
        read.append((key, part.filename, part.read()))
        part.close()
    return list(form.items(multi=True)), read


@pytest.mark.parametrize("size", [0, 1, 1000, 70_000, 200_000])
def test_parser_answers_as_werkzeugs(size):
    rng = random.Random(size)
    boundary = b"----formdata-" + bytes(rng.choice(b"abcdefghij0123456789") for _ in range(24))
    content = bytes(rng.choice(b"ab\r\n-") for _ in range(size))
    tricky = b"\r\n--" + boundary[:-1] + b"\r\n" + b"--" + boundary + b"x\r\n"
    meta_part = ("meta", None, '{"title": "起诉状"}'.encode())
    parts = [meta_part, ("file", "a.pdf", content), ("f2", "b.pdf", tricky + content)]
    for preamble in (b"", b"ignored preamble\r\n"):
        body = _form(boundary, parts, preamble=preamble)
        for buffer_size in (64 * 1024, 1000, 97):
            want = _parsed(MultiPartParser(buffer_size=buffer_size), body, boundary)
            got = _parsed(multipart.Parser(buffer_size=buffer_size), body, boundary)
            assert got == want
    assert want[1][0][2] == content


def test_the_app_parses_multipart_without_compiling(app, client, monkeypatch):
    world = service_world()
    compiled: list[object] = []
    original = re.compile
    monkeypatch.setattr(re, "compile", lambda *args, **kwargs: compiled.append(args) or original(*args, **kwargs))
    data = {"meta": json.dumps(meta(world), ensure_ascii=False), "file": (io.BytesIO(pdf_bytes()), "a.pdf")}
    headers = {**world.machine_headers, "Idempotency-Key": "multipart-no-compile"}
    answer = client.post(PUSH, data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    assert app.request_class is multipart.Request
    assert not [args for args in compiled if b"--" in (args[0] if isinstance(args[0], bytes) else b"")], compiled
