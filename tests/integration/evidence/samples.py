"""Files a phone might send: real PDFs and images, magic-number stubs of the other allowed types, and fakes."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import zipfile


@functools.cache
def pdf(pages: int = 3) -> bytes:
    """A real PDF (reportlab) with `pages` pages."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    for number in range(pages):
        drawing.drawString(72, 720, f"Evidence page {number + 1}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


@functools.cache
def png() -> bytes:
    """A real PNG (Pillow)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@functools.cache
def jpeg() -> bytes:
    """A real JPEG (Pillow)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 200, 30)).save(out, format="JPEG")
    return out.getvalue()


def ftyp(major: bytes, *compatible: bytes, body: int = 2000) -> bytes:
    """An ISO-BMFF file start: an `ftyp` box with its brands, then filler."""
    box = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(box)).to_bytes(4, "big") + b"ftyp" + box + os.urandom(body)


def heic() -> bytes:
    return ftyp(b"heic", b"mif1", b"heic")


def mp4() -> bytes:
    return ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41")


def m4a() -> bytes:
    return ftyp(b"M4A ", b"M4A ", b"mp42", b"isom")


def mp3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + os.urandom(2000)


def mp3_frames() -> bytes:
    return b"\xff\xfb\x90\x64" + os.urandom(2000)


def amr() -> bytes:
    return b"#!AMR\n" + os.urandom(500)


def zip_archive() -> bytes:
    """A real ZIP (also what .docx, .apk and .jar files are)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("借条.txt", "我借张三12000元。")
    return out.getvalue()


def polyglot() -> bytes:
    """A real PNG with a ZIP appended: opens as an image, unpacks as an archive."""
    return png() + zip_archive()


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(1000)


def gif() -> bytes:
    return b"GIF89a" + os.urandom(200)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
