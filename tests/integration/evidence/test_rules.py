"""The pure rules: magic bytes, archive trailers, the cheap PDF page count, file names, limits."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from app.evidence import file_types as types
from app.evidence import rules as rules
from tests.integration.evidence import samples


@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (samples.pdf, "application/pdf"),
        (samples.jpeg, "image/jpeg"),
        (samples.png, "image/png"),
        (samples.heic, "image/heic"),
        (samples.mp4, "video/mp4"),
        (samples.m4a, "audio/mp4"),
        (samples.mp3, "audio/mpeg"),
        (samples.mp3_frames, "audio/mpeg"),
        (samples.amr, "audio/amr"),
        (lambda: b"#!AMR-WB\n" + os.urandom(50), "audio/amr"),
        (samples.zip_archive, None),
        (samples.exe, None),
        (samples.gif, None),
        (lambda: b"\xff\xf1\x50\x80" + os.urandom(100), None),  # AAC in ADTS: a frame sync, not Layer III
        (lambda: samples.ftyp(b"avif", b"mif1", b"avif"), None),  # AVIF shares HEIF's container
        (lambda: samples.ftyp(b"qt  ", b"qt  "), None),  # QuickTime .mov is not MP4
        (lambda: b"\x00\x00\x00\x08ftyp", None),  # a box too short to hold a brand
        (lambda: b"<html><script>", None),
        (lambda: b"", None),
    ],
)
def test_sniff(maker, expected):
    assert types.sniff(maker()[:4096]) == expected


def test_declared_and_detected_types_must_agree_except_inside_mp4():
    assert types.consistent("application/pdf", "application/pdf")
    assert types.consistent("audio/mp4", "video/mp4") and types.consistent("video/mp4", "audio/mp4")
    assert not types.consistent("application/pdf", "image/png")
    assert not types.consistent("image/heic", "video/mp4")
    assert types.canonical("Audio/X-M4A; codecs=aac") == "audio/mp4"
    assert types.canonical("application/zip") is None


def test_zip_trailers_are_found_and_random_look_alikes_are_not():
    assert types.zip_trailer(samples.zip_archive())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "x")
        archive.comment = b"a comment at the very end"
    assert types.zip_trailer(samples.png() + out.getvalue())
    assert not types.zip_trailer(samples.pdf())
    assert not types.zip_trailer(b"\x00" * 100 + types.ZIP_EOCD + b"\x00" * 100)  # comment length does not fit


@pytest.mark.parametrize("chunk", [1, 7, 31, 32, 33, 4096, 10**6])
def test_the_pdf_page_count_survives_any_chunking(chunk):
    content = samples.pdf(pages=4)
    counter = types.PdfPageCounter()
    for start in range(0, len(content), chunk):
        counter.feed(content[start : start + chunk])
    assert counter.result() == 4


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj <</Type/Page>>\nstartxref\n9\n%%EOF", 1),
        (b"%PDF-1.7\n<< /Type /ObjStm >> 2 0 obj <</Type/Page>>\nstartxref\n9\n%%EOF", None),  # pages may hide
        (b"%PDF-1.7\n<</Type/Page>>\nstartxref\n9\n%%EOF\n<</Type/Page>>\nstartxref\n99\n%%EOF", None),  # updated
        (b"%PDF-1.7\nstartxref\n9\n%%EOF", None),  # no page object found: unknown rather than zero
    ],
)
def test_the_pdf_page_count_is_none_when_it_cannot_be_trusted(content, expected):
    counter = types.PdfPageCounter()
    counter.feed(content)
    assert counter.result() == expected


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("证据 借条.pdf", "证据 借条.pdf"),
        ("C:\\Users\\张三\\Desktop\\借条.jpg", "借条.jpg"),
        ("../../etc/passwd", "passwd"),
        ("a\r\nb.pdf", "ab.pdf"),
        ("a\u200bb\u202e\u2066c.pdf", "abc.pdf"),  # zero-width space, RTL override, isolate
        ('x"<>|:*?y.pdf', "xy.pdf"),
        ("..", "evidence"),
        ("\u3000", "evidence"),  # an ideographic space only
        ("长" * 300 + ".jpeg", "长" * 145 + ".jpeg"),
        ("长" * 300, "长" * 150),
    ],
)
def test_clean_filename(raw, clean):
    assert rules.clean_filename(raw) == clean
    assert len(rules.clean_filename(raw)) <= rules.MAX_NAME_CHARS


def test_extensions_names_and_keys():
    assert rules.split_extension("借条.PDF") == ("借条", ".pdf")
    assert rules.split_extension("2025.03.01 借条") == ("2025.03.01 借条", "")
    assert rules.foreign_extension("借条.exe", "application/pdf") == ".exe"
    assert rules.foreign_extension("照片.jpeg", "image/png") == ".jpeg"
    assert rules.foreign_extension("借条.pdf", "application/pdf") is None
    assert rules.foreign_extension("借条.v2", "application/pdf") is None  # not a type's extension: a name
    assert rules.download_name("借条", "application/pdf") == "借条.pdf"
    assert rules.download_name("IMG.HEIF", "image/heic") == "IMG.HEIF"
    key, upload = rules.object_key("c-1"), rules.upload_key("c-1")
    assert rules.KEY_PATTERN.match(key) and rules.KEY_PATTERN.match(upload) and upload.endswith(".upload")
    assert key != upload.removesuffix(".upload")  # every key is fresh


def test_limits_are_capped_by_max_content_length_only_when_the_app_receives_the_file():
    config = {
        "MAX_CONTENT_LENGTH": 1_000_000,
        "EVIDENCE_MAX_BYTES_PDF": 50,
        "EVIDENCE_MAX_BYTES_IMAGE": 2_000_000,
        "EVIDENCE_MAX_BYTES_AUDIO": 3,
        "EVIDENCE_MAX_BYTES_VIDEO": 10**9,
        "EVIDENCE_MAX_FILES_PER_CASE": 7,
        "EVIDENCE_MAX_BYTES_PER_USER": 9,
    }
    local = rules.Limits.from_config(config, store_name="local")
    s3 = rules.Limits.from_config(config, store_name="s3")
    assert local.max_size("application/pdf") == 50 == s3.max_size("application/pdf")
    assert local.max_size("video/mp4") == 1_000_000 - rules.MULTIPART_OVERHEAD and s3.max_size("video/mp4") == 10**9
    assert (local.files_per_case, local.bytes_per_user) == (7, 9)
