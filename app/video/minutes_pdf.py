"""The frozen minutes (笔录) as a PDF with Chinese text (fonts as for the service certificate)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.integrations import pdf
from app.utils import clock

KIND_TITLES = {"mediation": "调解笔录", "hearing": "庭审笔录", "pretrial_meeting": "庭前会议笔录"}
DECISIONS = {"signed": "已签名", "refused": "拒绝签名"}


def render(*, kind: str, header: list[str], text: str, sha256: str, signatures: list[dict]) -> bytes:
    """The minutes: title, the session's facts, the text, each signature or refusal, and the text's SHA-256."""
    fonts = pdf.certificate_fonts()
    faces = (fonts.cjk, fonts.sans)
    base = ParagraphStyle("base", fontName=fonts.cjk.name, fontSize=11, leading=18, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=base, fontSize=20, leading=28, alignment=1)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=12)
    title = KIND_TITLES.get(kind, "笔录")
    story = [_para(title, heading, faces), Spacer(1, 6 * mm)]
    story += [_para(line, base, faces) for line in header]
    story.append(Spacer(1, 4 * mm))
    story += [_para(line or " ", base, faces) for line in text.splitlines()]
    story.append(Spacer(1, 6 * mm))
    for sig in signatures:
        line = f"{sig['label']}：{DECISIONS.get(sig['decision'], sig['decision'])}（{sig['at']}）"
        if sig.get("reason"):
            line += f" 理由：{sig['reason']}"
        story.append(_para(line, base, faces))
    story += [Spacer(1, 6 * mm), _para(f"笔录正文 SHA-256：{sha256}", small, faces)]
    story.append(_para(f"生成时间：{clock.now_shanghai().strftime('%Y-%m-%d %H:%M')}（北京时间）", small, faces))
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
        author="微法院",
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
