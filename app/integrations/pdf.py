"""PDF rendering with reportlab: the electronic service certificate (电子送达凭证).

Every font is embedded as a subset, so the certificate reads the same in any viewer, with or without an
Asian font pack. Chinese is set in Droid Sans Fallback (or the TrueType font CERTIFICATE_FONT_PATH names);
what that font lacks (Droid has no Latin letters, digits, ASCII punctuation or arrows) in DejaVu Sans;
the digest, code and URL in DejaVu Sans Mono. The fonts and their licences live in
app/integrations/fonts. A missing or unusable font is an error, never a page of empty boxes. The QR
code of the verification URL is made by `qrcode` as a PNG and embedded as an image.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import struct
import threading
from collections.abc import Mapping
from pathlib import Path

import qrcode
from flask import current_app, has_app_context
from qrcode.image.pil import PilImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.i18n import catalogue, mark

FONT_DIR = Path(__file__).resolve().parent / "fonts"
DEFAULT_CJK_FONT = FONT_DIR / "DroidSansFallbackFull.ttf"
SANS_FONT = FONT_DIR / "DejaVuSans.ttf"
MONO_FONT = FONT_DIR / "DejaVuSansMono.ttf"
CJK_PROBE = "电子送达凭证签收"  # a CJK font without these is the wrong font: refuse it rather than print boxes
# The documents' words come from the catalogue (context "pdf", English msgid, docs/i18n.md) and are always rendered
# in Chinese, whoever asks: a Chinese court's documents are written in the language of the proceedings.
DOCUMENT_LANGUAGE = "zh"
CONTEXT = "pdf"


def words(text: str, /, **params: object) -> str:
    """A document's fixed text, marked where it is written (`mark("pdf", "English %(name)s")`), in Chinese."""
    return catalogue.render(CONTEXT, text, DOCUMENT_LANGUAGE, params)


AUTHOR = mark("pdf", "Micro Court")  # the producer named in a document's properties
PARTY_ROLES = {
    "plaintiff": mark("pdf", "plaintiff"),
    "defendant": mark("pdf", "defendant"),
    "applicant": mark("pdf", "applicant"),
    "respondent": mark("pdf", "respondent"),
    "third_party": mark("pdf", "third party"),
}
PARTY = mark("pdf", "party")  # a role the table does not name


def party_role(code: str | None, fallback: str | None = None) -> str:
    """A party's role as a document names it (Chinese); an unknown role is the fallback, else "party" (当事人)."""
    if code in PARTY_ROLES:
        return words(PARTY_ROLES[code])
    return fallback if fallback is not None else words(PARTY)


class CertificateFontError(RuntimeError):
    """A certificate font is missing, unreadable or unusable; certificates cannot be rendered."""


@dataclasses.dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate, already formatted and masked by the caller."""

    heading: str
    fields: list[tuple[str, str]]
    events: list[tuple[str, str, str]]  # (time, event, detail)
    sha256: str
    verification_code: str
    verify_url: str
    footer: str


@dataclasses.dataclass(frozen=True)
class _Face:
    name: str  # the name registered with reportlab
    glyphs: Mapping[int, int]  # code point -> glyph id


@dataclasses.dataclass(frozen=True)
class _Fonts:
    cjk: _Face
    sans: _Face
    mono: _Face


_lock = threading.Lock()
_faces: dict[str, _Face] = {}


def _face(path: Path | str, *, source: str) -> _Face:
    """The font at `path`, loaded and registered once per process (under a name unique to the path)."""
    key = str(Path(path).resolve())
    with _lock:
        face = _faces.get(key)
        if face is None:
            face = _faces[key] = _register(key, source=source)
    return face


def _register(path: str, *, source: str) -> _Face:
    name = f"{Path(path).stem}-{hashlib.sha256(path.encode()).hexdigest()[:8]}"
    try:
        font = TTFont(name, path)
    except (TTFError, OSError, ValueError, struct.error) as exc:
        raise CertificateFontError(
            f"Certificate font {path} ({source}) cannot be used: {exc}. "
            "It must be a readable TrueType font with glyf outlines (OpenType/CFF fonts cannot be embedded)."
        ) from exc
    pdfmetrics.registerFont(font)
    return _Face(name, font.face.charToGlyph)


def certificate_fonts(cjk_path: Path | str | None = None) -> _Fonts:
    """The certificate's fonts, registered on first use; raises CertificateFontError if one is unusable."""
    if cjk_path is None:
        configured = current_app.config.get("CERTIFICATE_FONT_PATH") if has_app_context() else None
        cjk_path = configured or DEFAULT_CJK_FONT
    cjk = _face(cjk_path, source="CERTIFICATE_FONT_PATH")
    missing = "".join(char for char in CJK_PROBE if ord(char) not in cjk.glyphs)
    if missing:
        raise CertificateFontError(
            f"Certificate font {cjk_path} (CERTIFICATE_FONT_PATH) has no glyphs for {missing}: not a Chinese font."
        )
    sans = _face(SANS_FONT, source="bundled with the app")
    return _Fonts(cjk=cjk, sans=sans, mono=_face(MONO_FONT, source="bundled with the app"))


def qr_png(text: str, *, box_size: int = 6) -> bytes:
    """A QR code of `text` as PNG bytes."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=2,
        image_factory=PilImage,  # the default when Pillow is installed (reportlab needs it), named for the type checker
    )
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def _styles(fonts: _Fonts) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=fonts.cjk.name, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "base": base,
        "heading": ParagraphStyle("heading", parent=base, fontSize=20, leading=28, alignment=1, spaceAfter=6),
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#444444")),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "mono": ParagraphStyle("mono", parent=base, fontName=fonts.mono.name, fontSize=9, leading=12, wordWrap=None),
    }


def _grid(rows: list[list[Paragraph]], widths: list[float], *, font: str, header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),  # cells default to Helvetica, which would be named but not embedded
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    if header:
        style.add("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE"))
    table.setStyle(style)
    return table


def render_service_certificate(data: CertificateData, *, font_path: Path | str | None = None) -> bytes:
    """The certificate as PDF bytes (A4, one or more pages); `font_path` overrides CERTIFICATE_FONT_PATH."""
    fonts = certificate_fonts(font_path)
    styles = _styles(fonts)
    text_faces, mono_faces = (fonts.cjk, fonts.sans), (fonts.mono, fonts.cjk, fonts.sans)

    def para(text: str, style: str = "base") -> Paragraph:
        return Paragraph(_markup(text, mono_faces if style == "mono" else text_faces), styles[style])

    width, cjk = A4[0] - 36 * mm, fonts.cjk.name
    story: list[Flowable] = [para(data.heading, "heading"), Spacer(1, 4 * mm)]
    story.append(
        _grid(
            [[para(label, "label"), para(value)] for label, value in data.fields], [35 * mm, width - 35 * mm], font=cjk
        )
    )
    story += [
        Spacer(1, 5 * mm),
        para(words(mark("pdf", "Record of service (server time, Beijing time)"))),
        Spacer(1, 2 * mm),
    ]
    rows = [[para(words(mark("pdf", "Time"))), para(words(mark("pdf", "Event"))), para(words(mark("pdf", "Detail")))]]
    rows += [[para(at, "small"), para(name, "small"), para(detail, "small")] for at, name, detail in data.events]
    story.append(_grid(rows, [42 * mm, 30 * mm, width - 72 * mm], font=cjk, header=True))
    story += [Spacer(1, 5 * mm), para(words(mark("pdf", "SHA-256 digest of the document:"))), para(data.sha256, "mono")]
    story.append(Spacer(1, 3 * mm))
    qr = Image(io.BytesIO(qr_png(data.verify_url)), width=32 * mm, height=32 * mm)
    check = [
        para(words(mark("pdf", "Verification code: %(code)s"), code=data.verification_code)),
        para(words(mark("pdf", "Scan the QR code or visit this address to verify this certificate:"))),
        para(data.verify_url, "mono"),
    ]
    story.append(
        Table(
            [[qr, check]],
            colWidths=[36 * mm, width - 36 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), cjk)],
        )
    )
    story += [Spacer(1, 4 * mm), para(data.footer, "small")]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        initialFontName=cjk,  # else every page names Helvetica, a font that is not embedded
        title=data.heading,
        author=words(AUTHOR),
        subject=data.verification_code,
    )
    document.build(story)
    return buffer.getvalue()


def _markup(text: str, faces: tuple[_Face, ...]) -> str:
    """Paragraph markup of `text`: each run of characters in the first font that has them, escaped."""

    def face_of(char: str) -> str:
        return next((face.name for face in faces if ord(char) in face.glyphs), faces[0].name)

    return "".join(
        f'<font face="{name}">{_escape("".join(run))}</font>' for name, run in itertools.groupby(text, face_of)
    )


def _escape(text: str) -> str:
    """Paragraphs take a little markup: escape it so names and titles print as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
