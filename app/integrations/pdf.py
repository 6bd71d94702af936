"""PDF rendering with reportlab: the electronic service certificate (电子送达凭证).

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1; viewers supply the glyphs, no
font file is needed or shipped); hashes and codes use Courier. The QR code of the verification URL is
made by `qrcode` as a PNG and embedded as an image.
"""

from __future__ import annotations

import dataclasses
import io
import threading

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

CJK_FONT = "STSong-Light"
MONO_FONT = "Courier"
_registered = threading.Lock()


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


def _font() -> str:
    with _registered:
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def qr_png(text: str, *, box_size: int = 6) -> bytes:
    """A QR code of `text` as PNG bytes."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "base": base,
        "heading": ParagraphStyle("heading", parent=base, fontSize=20, leading=28, alignment=1, spaceAfter=6),
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#444444")),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO_FONT, fontSize=9, leading=12, wordWrap=None),
    }


def _grid(rows: list[list[object]], widths: list[float], *, header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")))
    table.setStyle(TableStyle(style))
    return table


def render_service_certificate(data: CertificateData) -> bytes:
    """The certificate as PDF bytes (A4, one or more pages)."""
    styles = _styles(_font())
    width = A4[0] - 36 * mm
    para = lambda text, style="base": Paragraph(_escape(text), styles[style])  # noqa: E731
    story: list[object] = [para(data.heading, "heading"), Spacer(1, 4 * mm)]
    story.append(
        _grid([[para(label, "label"), para(value)] for label, value in data.fields], [35 * mm, width - 35 * mm])
    )
    story += [Spacer(1, 5 * mm), para("送达过程记录（服务器时间，北京时间）"), Spacer(1, 2 * mm)]
    rows = [[para("时间"), para("事件"), para("说明")]]
    rows += [[para(at, "small"), para(name, "small"), para(detail, "small")] for at, name, detail in data.events]
    story.append(_grid(rows, [42 * mm, 30 * mm, width - 72 * mm], header=True))
    story += [Spacer(1, 5 * mm), para("文书 SHA-256 摘要："), para(data.sha256, "mono"), Spacer(1, 3 * mm)]
    qr = Image(io.BytesIO(qr_png(data.verify_url)), width=32 * mm, height=32 * mm)
    check = [
        para(f"验证码：{data.verification_code}"),
        para("扫描二维码或访问以下地址核验本凭证："),
        para(data.verify_url, "mono"),
    ]
    story.append(
        Table([[qr, check]], colWidths=[36 * mm, width - 36 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")])
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
        title="电子送达凭证",
        author="微法院",
        subject=data.verification_code,
    )
    document.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    """Paragraphs take a little markup: escape it so names and titles print as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
