"""The archive writer: file names that cannot escape or confuse, and big files streamed, never held whole."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import zipfile

import pytest

from app.casefile import archive, service
from app.extensions import storage

MiB = 1024 * 1024


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        ("../../etc/passwd", "etcpasswd"),
        ("借条\x00原件.pdf", "借条原件.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("line\r\nbreak.pdf", "linebreak.pdf"),
        ("C:\\Windows\\a.pdf", "CWindowsa.pdf"),
        ("   ", "file"),
        ("民间借贷纠纷民事判决书", "民间借贷纠纷民事判决书"),
    ],
)
def test_hostile_names_become_plain_file_names(hostile, expected):
    assert service.safe_name(hostile) == expected
    assert "/" not in service.safe_name(hostile) and len(service.safe_name("长" * 500)) == 80


def test_a_big_file_is_streamed_from_the_store_into_the_archive(app):
    size = 24 * MiB
    block = bytes(range(256)) * 4096  # 1 MiB
    storage.put("cases/big/evidence/big.bin", io.BytesIO(block * (size // MiB)), content_type="application/pdf")
    member = archive.Member(
        path="证据/001_big.pdf",
        title="大文件",
        origin="test",
        date=None,
        kind="evidence",
        chunks=archive.blob_chunks("cases/big/evidence/big.bin"),
        recorded_sha256=hashlib.sha256(block * (size // MiB)).hexdigest(),
    )
    tracemalloc.start()
    try:
        written = archive.write([member], header={"summary": {}}, title="T")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the spool holds at most SPOOL_BYTES in memory before it moves to disk; the file itself is never held whole
    assert peak < archive.SPOOL_BYTES + 4 * MiB, peak
    [entry] = written.entries
    assert entry["size"] == size and entry["matches_record"] is True
    with zipfile.ZipFile(written.file) as zipped, zipped.open("证据/001_big.pdf") as inside:
        digest = hashlib.sha256()
        while chunk := inside.read(MiB):
            digest.update(chunk)
    assert digest.hexdigest() == entry["sha256"]
    written.file.close()
