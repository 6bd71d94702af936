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

from app.integrations import pdf

LATE_TEXT = (
    "当事人应当在举证期限内向人民法院提交证据材料。当事人在举证期限内提交证据材料确有困难的，"
    "应当在举证期限届满前向人民法院申请延长期限。逾期提供证据的，人民法院应当责令其说明理由；"
    "拒不说明理由或者理由不成立的，人民法院根据不同情形可以不予采纳该证据，或者采纳该证据但予以训诫、罚款。"
    "（《中华人民共和国民事诉讼法》第六十八条；《最高人民法院关于民事诉讼证据的若干规定》第五十一条至第五十九条）"
)


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
    story += [para(f"{label}：{value}") for label, value in data.fields]
    story += [Spacer(1, 4 * mm), para(LATE_TEXT), Spacer(1, 4 * mm), para("期限计算说明：", small)]
    story += [para(line, small) for line in data.explanation]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, initialFontName=fonts.cjk.name, title="举证通知书"
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
