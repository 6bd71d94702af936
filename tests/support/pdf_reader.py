"""Just enough of a PDF reader for the PDFs reportlab writes: objects by the xref table, fonts, the text layer.

The text comes back through each font's /ToUnicode map, as a viewer's copy and search would get it, together
with the font that draws it, so a test can check that every character is drawn by a font that has its glyph.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import zlib

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclasses.dataclass(frozen=True)
class PdfObject:
    head: bytes  # the dictionary (or value) before any stream
    stream: bytes | None  # the stream, decoded

    def ref(self, key: str) -> int | None:
        """The object number a /key N 0 R entry points at."""
        match = re.search(rb"/" + key.encode() + rb"\s+(\d+)\s+0\s+R", self.head)
        return int(match.group(1)) if match else None

    def name(self, key: str) -> str | None:
        match = re.search(rb"/" + key.encode() + rb"\s*/([^\s/<>\[\]()]+)", self.head)
        return match.group(1).decode() if match else None


@dataclasses.dataclass(frozen=True)
class Font:
    resource: str  # what content streams call it (/F1+0)
    base_font: str  # /BaseFont: AAAAAA+DroidSansFallback
    subtype: str
    embedded_file: str | None  # FontFile2 (TrueType), FontFile (Type 1), FontFile3 (CFF), None
    to_unicode: dict[bytes, str]


def objects(data: bytes) -> dict[int, PdfObject]:
    """Every object listed in the (classic) cross-reference table."""
    start = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    table = re.match(rb"xref\s+(\d+)\s+(\d+)\s+", data[start:])
    first, count = int(table.group(1)), int(table.group(2))
    rows = data[start + table.end() :].split(b"\n")[:count]
    found = {}
    for number, row in enumerate(rows, first):
        offset, _generation, kind = row.split()[:3]
        if kind == b"n":
            found[number] = _object_at(data, int(offset))
    return found


def _object_at(data: bytes, offset: int) -> PdfObject:
    body_start = re.match(rb"\d+\s+\d+\s+obj\s*", data[offset:]).end() + offset
    stream_at = re.compile(rb"stream\r?\n").search(data, body_start)
    end_at = data.index(b"endobj", body_start)
    if stream_at is None or stream_at.start() > end_at:
        return PdfObject(data[body_start:end_at], None)
    head = data[body_start : stream_at.start()]
    length = int(re.search(rb"/Length\s+(\d+)", head).group(1))
    raw = data[stream_at.end() : stream_at.end() + length]
    for name in re.findall(rb"/(ASCII85Decode|FlateDecode)", head):
        raw = base64.a85decode(raw.strip().removesuffix(b"~>")) if name == b"ASCII85Decode" else zlib.decompress(raw)
    return PdfObject(head, raw)


def fonts(data: bytes) -> list[Font]:
    """Every font dictionary, with where its glyphs come from and its code -> text map."""
    table = objects(data)
    found = []
    for obj in table.values():
        if not re.search(rb"/Type\s*/Font\b", obj.head):
            continue
        descriptor = table[obj.ref("FontDescriptor")].head if obj.ref("FontDescriptor") else b""
        embedded = re.search(rb"/(FontFile[23]?)\s+\d+\s+0\s+R", descriptor)
        to_unicode = _cmap(table[obj.ref("ToUnicode")].stream) if obj.ref("ToUnicode") else {}
        found.append(
            Font(
                resource=obj.name("Name") or "",
                base_font=obj.name("BaseFont") or "",
                subtype=obj.name("Subtype") or "",
                embedded_file=embedded.group(1).decode() if embedded else None,
                to_unicode=to_unicode,
            )
        )
    return found


def _cmap(stream: bytes) -> dict[bytes, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for low, high, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int.from_bytes(bytes.fromhex(text.decode()), "big")
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code.to_bytes(len(low) // 2, "big")] = chr(start + offset)
    return mapping


def text_runs(data: bytes) -> list[tuple[str, str]]:
    """(BaseFont, text) for every Tj/TJ string of every content stream, in order, decoded by /ToUnicode."""
    by_resource = {font.resource: font for font in fonts(data)}
    runs = []
    for obj in objects(data).values():
        if obj.stream is None or b"Tf" not in obj.stream:
            continue
        font = None
        pattern = rb"/([^\s/]+)\s+[\d.]+\s+Tf|\[((?:\\.|[^\]])*)\]\s*TJ|\(((?:\\.|[^\\)])*)\)\s*Tj"
        for match in re.finditer(pattern, obj.stream, re.S):
            if match.group(1):
                font = by_resource[match.group(1).decode()]
                continue
            strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", match.group(2)) if match.group(2) else [match.group(3)]
            codes = b"".join(_unescape(s) for s in strings)
            runs.append((font.base_font, "".join(font.to_unicode.get(bytes([c]), "\ufffd") for c in codes)))
    return runs


def text(data: bytes) -> str:
    """The whole text layer as one string."""
    return "".join(run for _font, run in text_runs(data))


def _unescape(literal: bytes) -> bytes:
    """PDF literal strings escape bytes as \\ddd (octal) and \\( \\) \\\\."""
    return re.sub(
        rb"\\([0-7]{1,3}|.)",
        lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else _ESCAPES.get(m.group(1), m.group(1)),
        literal,
        flags=re.S,
    )
