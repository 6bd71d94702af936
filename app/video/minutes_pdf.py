"""The frozen minutes (笔录) as a PDF with Chinese text (fonts as for the service certificate)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.i18n import mark
from app.integrations import pdf
from app.utils import clock

# The minutes' words come from the catalogue (context "pdf") and are written in Chinese whoever asks (docs/i18n.md).
KIND_TITLES = {
    "mediation": mark("pdf", "Mediation minutes"),
    "hearing": mark("pdf", "Trial minutes"),
    "pretrial_meeting": mark("pdf", "Pre-trial meeting minutes"),
}
MINUTES = mark("pdf", "Minutes")  # a kind the table does not name
DECISIONS = {"signed": mark("pdf", "signed"), "refused": mark("pdf", "refused to sign")}


def title_of(kind: str) -> str:
    """The minutes' title for a session kind, in Chinese."""
    return pdf.words(KIND_TITLES.get(kind, MINUTES))


def render(*, kind: str, header: list[str], text: str, sha256: str, signatures: list[dict]) -> bytes:
    """The minutes: title, the session's facts, the text, each signature or refusal, and the text's SHA-256."""
    fonts = pdf.certificate_fonts()
    faces = (fonts.cjk, fonts.sans)
    base = ParagraphStyle("base", fontName=fonts.cjk.name, fontSize=11, leading=18, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=base, fontSize=20, leading=28, alignment=1)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=12)
    title = title_of(kind)
    story = [_para(title, heading, faces), Spacer(1, 6 * mm)]
    story += [_para(line, base, faces) for line in header]
    story.append(Spacer(1, 4 * mm))
    story += [_para(line or " ", base, faces) for line in text.splitlines()]
    story.append(Spacer(1, 6 * mm))
    for sig in signatures:
        decision = pdf.words(DECISIONS[sig["decision"]]) if sig["decision"] in DECISIONS else sig["decision"]
        line = pdf.words(
            mark("pdf", "%(signer)s: %(decision)s (%(at)s)"), signer=sig["label"], decision=decision, at=sig["at"]
        )
        if sig.get("reason"):
            line += pdf.words(mark("pdf", " Reason: %(reason)s"), reason=sig["reason"])
        story.append(_para(line, base, faces))
    digest = pdf.words(mark("pdf", "SHA-256 of the minutes' text: %(sha256)s"), sha256=sha256)
    story += [Spacer(1, 6 * mm), _para(digest, small, faces)]
    made = clock.now_shanghai().strftime("%Y-%m-%d %H:%M")
    story.append(_para(pdf.words(mark("pdf", "Generated at %(at)s (Beijing time)"), at=made), small, faces))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        initialFontName=fonts.cjk.name,
        title=title,
        author=pdf.words(pdf.AUTHOR),
    ).build(story)
    return buffer.getvalue()


def _para(text: str, style: ParagraphStyle, faces: tuple) -> Paragraph:
    runs: list[tuple[str, str]] = []
    for char in text:
        name = next((face.name for face in faces if ord(char) in face.glyphs), faces[0].name)
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    escape = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    return Paragraph("".join(f'<font face="{n}">{escape(r)}</font>' for n, r in runs), style)
