"""The service certificate PDF embeds every font it uses and draws every character with a font that has it.

Unembedded fonts (the old STSong-Light) print Chinese as empty boxes on a viewer without Adobe's Asian
font pack; these tests check the bytes (a /FontFile2 per font, no font named without one), the glyphs
(every character of the text layer is in the font that draws it), and, where poppler is installed, the
rendered page.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import shutil
import subprocess

import pytest
from flask import Flask
from reportlab.pdfbase.ttfonts import TTFont

from app.integrations import pdf
from config import Config
from tests.support import pdf_reader

FIELDS = [
    ("法院", "北京市朝阳区人民法院（110105）"),
    ("案号", "（2024）京0105民初12345号"),
    ("文书", "民事判决书《阿依古丽·买买提诉李四民间借贷纠纷 & <其他> 民事判决书》"),
    ("受送达人", "李*（被告） 手机 139****0000"),
    ("视为送达时间", "2024-05-01 10:00:00（送达至受送达人系统）"),
]
SAMPLE = pdf.CertificateData(
    heading="电子送达凭证",
    fields=FIELDS,
    events=[("2024-05-01 10:00:00", "通知已发送", "短信 → 受送达人"), ("2024-05-01 11:00:00", "签收", "—")],
    sha256=hashlib.sha256(b"document").hexdigest(),
    verification_code="ABCD2345EFGH6789JKLM",
    verify_url="https://court.example.cn/api/public/v1/verify/ABCD2345EFGH6789JKLM",
    footer="出具时间：2024-05-02 10:00:00（北京时间）。送达记录哈希链校验：完整。",
)
VENDORED = {
    "DroidSansFallback": pdf.DEFAULT_CJK_FONT,
    "DejaVuSans": pdf.SANS_FONT,
    "DejaVuSansMono": pdf.MONO_FONT,
}


@functools.cache
def _glyphs(base_font: str) -> frozenset[int]:
    """The code points the vendored font behind a /BaseFont (AAAAAA+DejaVuSans) has glyphs for."""
    path = VENDORED[base_font.split("+", 1)[1]]
    return frozenset(TTFont(f"probe-{path.stem}", str(path)).face.charToGlyph)


def test_every_font_is_embedded_as_a_truetype_subset_and_no_other_font_is_named():
    data = pdf.render_service_certificate(SAMPLE)
    fonts = pdf_reader.fonts(data)
    assert {font.base_font.split("+", 1)[1] for font in fonts} == set(VENDORED)
    for font in fonts:
        assert font.subtype == "TrueType" and font.embedded_file == "FontFile2", font
        assert re.fullmatch(r"[A-Z]{6}\+\w+", font.base_font), font  # a subset, not the 4 MB font
    for unembedded in (b"/STSong-Light", b"UniGB-UCS2-H", b"/Helvetica", b"/Courier"):
        assert unembedded not in data
    assert len(data) < 150_000, len(data)


def test_every_character_is_drawn_by_a_font_that_has_its_glyph():
    """Droid Sans Fallback has no Latin letters, digits, '·' or '→': those come from DejaVu, never as boxes."""
    data = pdf.render_service_certificate(SAMPLE)
    runs = pdf_reader.text_runs(data)
    for base_font, run in runs:
        assert all(ord(char) in _glyphs(base_font) for char in run), (base_font, run)
    used = {base_font.split("+", 1)[1] for base_font, _run in runs}
    assert used == set(VENDORED)
    text = pdf_reader.text(data)
    for label, value in FIELDS:
        assert label in text and value in text, value
    assert "短信 → 受送达人" in text and SAMPLE.sha256 in text and SAMPLE.verify_url in text


def test_the_configured_font_is_used_and_an_unusable_one_fails_loudly(tmp_path):
    own = tmp_path / "court-font.ttf"
    shutil.copyfile(pdf.DEFAULT_CJK_FONT, own)
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_text("not a font", encoding="utf-8")
    truncated = tmp_path / "truncated.ttf"
    truncated.write_bytes(pdf.DEFAULT_CJK_FONT.read_bytes()[:4096])
    app = Flask(__name__)
    app.config["CERTIFICATE_FONT_PATH"] = str(own)
    with app.app_context():
        assert pdf.certificate_fonts().cjk.name.startswith("court-font-")
        assert all(
            font.embedded_file == "FontFile2" for font in pdf_reader.fonts(pdf.render_service_certificate(SAMPLE))
        )
    for bad, problem in [
        (tmp_path / "missing.ttf", "open"),
        (not_a_font, "TrueType"),
        (truncated, "cannot be used"),
        (pdf.SANS_FONT, "not a Chinese font"),  # a real TrueType font, but every Chinese character would be a box
    ]:
        app.config["CERTIFICATE_FONT_PATH"] = str(bad)
        with app.app_context(), pytest.raises(pdf.CertificateFontError, match=problem) as caught:
            pdf.render_service_certificate(SAMPLE)
        assert bad.name in str(caught.value) and "CERTIFICATE_FONT_PATH" in str(caught.value)


def test_the_default_font_ships_with_the_app_with_its_licence():
    assert str(pdf.DEFAULT_CJK_FONT) == Config({}).CERTIFICATE_FONT_PATH
    licence = (pdf.FONT_DIR / "LICENSE-DroidSansFallback.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "fonts-droid-fallback" in licence
    for path in VENDORED.values():
        notice = "LICENSE-DroidSansFallback.txt" if path == pdf.DEFAULT_CJK_FONT else "LICENSE-DejaVu.txt"
        assert hashlib.sha256(path.read_bytes()).hexdigest() in (pdf.FONT_DIR / notice).read_text(encoding="utf-8")


def _title_strip(tmp_path, heading: str) -> bytes:
    """The top of page 1 (where the heading is) rendered by poppler as 8-bit grey pixels."""
    source = tmp_path / f"{heading}.pdf"
    source.write_bytes(pdf.render_service_certificate(dataclasses.replace(SAMPLE, heading=heading)))
    command = ["pdftoppm", "-gray", "-r", "72", "-f", "1", "-l", "1", "-x", "0", "-y", "30", "-W", "595", "-H", "60"]
    subprocess.run([*command, "-singlefile", str(source), str(tmp_path / heading)], check=True, timeout=60)
    image = (tmp_path / f"{heading}.pgm").read_bytes()
    return image[image.index(b"255\n") + 4 :]


def test_rendered_chinese_is_glyphs_not_empty_boxes(tmp_path):
    """Boxes look the same whatever the character: the same characters in another order must render differently."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the certificate was checked as PDF only")
    title, shuffled = _title_strip(tmp_path, "电子送达凭证"), _title_strip(tmp_path, "凭证送达电子")
    assert sum(pixel < 128 for pixel in title) > 300  # ink where the heading is
    assert title != shuffled
    if shutil.which("pdffonts"):
        listing = subprocess.run(
            ["pdffonts", str(tmp_path / "电子送达凭证.pdf")], check=True, capture_output=True, text=True, timeout=60
        ).stdout.splitlines()
        column = listing[0].index("emb")
        assert len(listing) == 5 and all(row[column : column + 3] == "yes" for row in listing[2:]), listing
