"""QR codes with the `qrcode` package: SVG through its SVG image factory, PNG through a small encoder here.

`qrcode` draws PNGs through Pillow or pypng, neither of which the service otherwise needs; a 1-bit
grayscale PNG of the module matrix takes a few lines of zlib, so the matrix comes from `qrcode` and the
bytes from `png_bytes`.
"""

from __future__ import annotations

import io
import struct
import zlib

import qrcode
import qrcode.constants
import qrcode.image.svg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BORDER = 4  # the quiet zone the QR standard asks for, in modules


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code


def matrix(data: str) -> list[list[bool]]:
    """The module matrix (True = dark), quiet zone included."""
    return _code(data).get_matrix()


def svg_bytes(data: str) -> bytes:
    """An SVG drawing of the code (one path), from qrcode's SVG image factory."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def png_bytes(data: str, *, scale: int = 8) -> bytes:
    """A black-on-white 1-bit PNG of the code, each module `scale` pixels square."""
    rows = matrix(data)
    width = len(rows) * scale
    raw = bytearray()
    for row in rows:
        bits = "".join(("0" if dark else "1") * scale for dark in row)  # 0 = black in 1-bit grayscale
        bits += "1" * (-len(bits) % 8)
        line = b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")  # filter type 0 per scanline
        raw += line * scale
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
