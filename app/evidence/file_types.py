"""What a file really is: the allow-list, magic-byte sniffing, archive trailers and a cheap PDF page count."""

from __future__ import annotations

import dataclasses
import re

ZIP_EOCD = b"PK\x05\x06"
ZIP_TAIL_BYTES = 22 + 65535  # an end-of-central-directory record plus the longest comment


@dataclasses.dataclass(frozen=True)
class FileType:
    """One allowed type: its canonical MIME type, size-limit family and file-name extensions."""

    mime: str
    family: str  # pdf | image | audio | video: picks EVIDENCE_MAX_BYTES_<FAMILY>
    extensions: tuple[str, ...]


TYPES = {
    t.mime: t
    for t in (
        FileType("application/pdf", "pdf", (".pdf",)),
        FileType("image/jpeg", "image", (".jpg", ".jpeg")),
        FileType("image/png", "image", (".png",)),
        FileType("image/heic", "image", (".heic", ".heif")),
        FileType("video/mp4", "video", (".mp4", ".m4v")),
        FileType("audio/mpeg", "audio", (".mp3",)),
        FileType("audio/mp4", "audio", (".m4a",)),
        FileType("audio/amr", "audio", (".amr",)),
    )
}
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/heif": "image/heic",
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
}
# Extensions that claim a type other than the declared one (allowed types' and the usual disguises).
FOREIGN_EXTENSIONS = {ext for t in TYPES.values() for ext in t.extensions} | {
    *(".exe", ".com", ".scr", ".bat", ".cmd", ".msi", ".apk", ".ipa", ".dll", ".js", ".vbs", ".jar", ".ps1"),
    *(".html", ".htm", ".svg", ".xml", ".php", ".sh", ".py"),
    *(".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".cab", ".iso"),
    *(".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".gif", ".webp", ".bmp", ".mov", ".avi", ".wav"),
}
ISO_MP4 = frozenset({"video/mp4", "audio/mp4"})  # one container: an audio-only MP4 may carry a video brand
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
HEIF_BRANDS = {b"mif1", b"msf1"}
M4A_BRANDS = {b"M4A ", b"M4B "}
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"MSNV"}


def canonical(content_type: str) -> str | None:
    """The allow-listed MIME type a declared type means (parameters ignored), or None when not allowed."""
    mime = content_type.split(";", 1)[0].strip().lower()
    mime = ALIASES.get(mime, mime)
    return mime if mime in TYPES else None


def sniff(head: bytes) -> str | None:
    """The allow-listed type the first bytes show, or None (archives, executables, anything else)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "audio/amr"
    if head.startswith(b"ID3") or _mp3_frame(head):
        return "audio/mpeg"
    return _iso_bmff(head)


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio Layer III frame header (AAC's ADTS and JPEG's FFD8 do not match)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = head[1] >> 3 & 0b11, head[1] >> 1 & 0b11
    bitrate, rate = head[2] >> 4, head[2] >> 2 & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 0xF) and rate != 0b11


def _iso_bmff(head: bytes) -> str | None:
    """HEIC, M4A or MP4 from the `ftyp` box: major brand, then the compatible brands."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    if size < 16 or size > len(head):
        return None
    major, compatible = head[8:12], {head[i : i + 4] for i in range(16, size - 3, 4)}
    brands = [major, *sorted(compatible)]
    if major in HEIC_BRANDS or (major in HEIF_BRANDS and compatible & HEIC_BRANDS):
        return "image/heic"
    if any(brand in M4A_BRANDS for brand in brands):
        return "audio/mp4"
    if any(brand in MP4_BRANDS for brand in brands):
        return "video/mp4"
    return None


def consistent(declared: str, detected: str) -> bool:
    """Whether the detected type is what was declared (M4A and MP4 share a container)."""
    return declared == detected or {declared, detected} <= ISO_MP4


def zip_trailer(tail: bytes) -> bool:
    """True when the bytes end with a ZIP directory (an archive, or a file with one appended: a polyglot)."""
    position = tail.rfind(ZIP_EOCD)
    while position != -1:
        record = tail[position : position + 22]
        if len(record) == 22 and position + 22 + int.from_bytes(record[20:22], "little") == len(tail):
            return True
        position = tail.rfind(ZIP_EOCD, 0, position)
    return False


PAGE = re.compile(rb"/Type\s{0,8}/Page(?![A-Za-z])")
OVERLAP = 32  # longer than any PAGE match plus its look-ahead byte


class PdfPageCounter:
    """Count page objects while the bytes stream past, when that is reliable.

    A PDF whose pages sit in compressed object streams, or that was edited by incremental updates (a
    page may then exist twice), gets no count rather than a wrong one.
    """

    def __init__(self) -> None:
        self.pages = 0
        self.reliable = True
        self.startxrefs = 0
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        """Scan one more chunk; matches that span chunks are counted once."""
        buffer = self._carry + chunk
        final = max(0, len(buffer) - OVERLAP)
        self._scan(buffer, final)
        self._carry = buffer[final:]

    def _scan(self, buffer: bytes, until: int) -> None:
        self.pages += sum(1 for match in PAGE.finditer(buffer) if match.start() < until)
        self.startxrefs += sum(1 for at in _find_all(buffer, b"startxref") if at < until)
        if b"/ObjStm" in buffer:
            self.reliable = False

    def result(self) -> int | None:
        """The page count, or None when it cannot be trusted."""
        self._scan(self._carry, len(self._carry))
        self._carry = b""
        if not self.reliable or self.startxrefs != 1 or self.pages == 0:
            return None
        return self.pages


def _find_all(buffer: bytes, needle: bytes) -> list[int]:
    found, at = [], buffer.find(needle)
    while at != -1:
        found.append(at)
        at = buffer.find(needle, at + 1)
    return found
