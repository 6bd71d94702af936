"""The evidence notice (举证通知书) as a PDF: the period set or extended, its explained end, and what lateness means.

Rendered with the certificate's embedded fonts (`app.integrations.pdf.certificate_fonts`): Chinese in the CJK
face, what it lacks (Latin letters, digits) in DejaVu Sans, so the notice reads the same in any viewer.
"""

from __future__ import annotations

import dataclasses
import io
import itertools

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from app.i18n import mark
from app.integrations import pdf

LATE_TEXT = mark(
    "pdf",
    "A party shall submit evidence to the people's court within the evidence period. A party who has real "
    "difficulty submitting evidence within the period shall apply to the people's court for an extension before "
    "the period ends. Where a party provides evidence late, the people's court shall order the party to explain "
    "why; where the party refuses to explain or the reason does not hold, the people's court may, depending on "
    "the circumstances, refuse to admit the evidence, or admit it but reprimand or fine the party. (Civil "
    "Procedure Law of the People's Republic of China, Art. 68; Provisions of the Supreme People's Court on "
    "Evidence in Civil Procedures, Arts. 51 to 59)",
)
TITLE = mark("pdf", "Evidence notice")


@dataclasses.dataclass(frozen=True)
class NoticeData:
    """What one party's notice says, already formatted by the caller."""

    heading: str
    fields: list[tuple[str, str]]
    explanation: list[str]


def render(data: NoticeData) -> bytes:
    """The notice as PDF bytes (A4)."""
    fonts = pdf.certificate_fonts()
    faces = (fonts.cjk, fonts.sans)
    base = ParagraphStyle("notice", fontName=fonts.cjk.name, fontSize=11, leading=17, wordWrap="CJK")
    heading = ParagraphStyle("notice-heading", parent=base, fontSize=20, leading=28, alignment=1, spaceAfter=8)
    small = ParagraphStyle("notice-small", parent=base, fontSize=9, leading=13)

    def para(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(_markup(text, faces), style)

    story: list[Flowable] = [para(data.heading, heading), Spacer(1, 4 * mm)]
    story += [
        para(pdf.words(mark("pdf", "%(label)s: %(value)s"), label=label, value=value)) for label, value in data.fields
    ]
    story += [Spacer(1, 4 * mm), para(pdf.words(LATE_TEXT)), Spacer(1, 4 * mm)]
    story.append(para(pdf.words(mark("pdf", "How the period is counted:")), small))
    story += [para(line, small) for line in data.explanation]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        initialFontName=fonts.cjk.name,
        title=pdf.words(TITLE),
    ).build(story)
    return buffer.getvalue()


def _markup(text: str, faces: tuple) -> str:
    """Each run of characters in the first face that has them, escaped for reportlab's paragraph markup."""

    def face_of(char: str) -> str:
        return next((face.name for face in faces if ord(char) in face.glyphs), faces[0].name)

    escaped = (
        (name, "".join(run).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        for name, run in itertools.groupby(text, face_of)
    )
    return "".join(f'<font face="{name}">{run}</font>' for name, run in escaped)
