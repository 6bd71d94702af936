"""Writing a ZIP archive with its index, streaming each member from the blob store (never a whole file in memory).

The archive is written to a spooled temporary file (memory up to SPOOL_BYTES, then disk) and handed to the store
as a stream. Every member's SHA-256 and size are computed from the bytes as they are written, so the index says
what is in the archive, not what a row claims; a member whose bytes differ from the recorded hash is flagged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from app.extensions import storage
from app.i18n import mark
from app.integrations import pdf
from app.storage.base import BlobInfo

SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 256 * 1024
INDEX_JSON = "index.json"
# The case file is a court's bundle, written in Chinese whoever asks: its words come from the catalogue (context
# "pdf", rendered by `pdf.words`), its file and folder names too (docs/i18n.md).
INDEX_HTML = pdf.words(mark("pdf", "index.html"))


@dataclasses.dataclass(frozen=True)
class Member:
    """One file of the archive: where it goes, what the index says of it, and its bytes (as chunks)."""

    path: str
    title: str
    origin: str
    date: str | None
    kind: str
    chunks: Iterable[bytes]
    recorded_sha256: str | None = None
    compress: bool = False


@dataclasses.dataclass
class Written:
    """The finished archive: the open temporary file (rewound), its size and SHA-256, and the index entries."""

    file: IO[bytes]
    size: int
    sha256: str
    entries: list[dict[str, Any]]


def blob_chunks(key: str) -> Iterator[bytes]:
    """The object's bytes, chunk by chunk, released even when the reader stops early."""
    stream = storage.iter_chunks(key, CHUNK)
    try:
        yield from stream
    finally:
        stream.close()


def write(members: Iterable[Member], *, header: dict[str, Any], title: str) -> Written:
    """Write every member and then the index (index.json and a Chinese HTML page) into one ZIP."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the caller open
    entries: list[dict[str, Any]] = []
    try:
        with zipfile.ZipFile(spool, "w", allowZip64=True) as archive:
            for member in members:
                entries.append(_add(archive, member))
            index = {**header, "items": entries}
            body = json.dumps(index, ensure_ascii=False, indent=2, default=str).encode()
            archive.writestr(INDEX_JSON, body, compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr(INDEX_HTML, render_html(title, header, entries).encode(), zipfile.ZIP_DEFLATED)
        size = spool.tell()
        spool.seek(0)
        digest = hashlib.sha256()
        while chunk := spool.read(CHUNK):
            digest.update(chunk)
        spool.seek(0)
        return Written(file=spool, size=size, sha256=digest.hexdigest(), entries=entries)
    except BaseException:
        spool.close()
        raise


def _add(archive: zipfile.ZipFile, member: Member) -> dict[str, Any]:
    info = zipfile.ZipInfo(member.path)
    info.compress_type = zipfile.ZIP_DEFLATED if member.compress else zipfile.ZIP_STORED
    digest, size = hashlib.sha256(), 0
    with archive.open(info, "w", force_zip64=True) as target:
        for chunk in member.chunks:
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    sha256 = digest.hexdigest()
    entry: dict[str, Any] = {
        "path": member.path,
        "title": member.title,
        "kind": member.kind,
        "origin": member.origin,
        "date": member.date,
        "size": size,
        "sha256": sha256,
    }
    if member.recorded_sha256 is not None:
        entry["matches_record"] = member.recorded_sha256 == sha256
    return entry


def store(written: Written, key: str) -> BlobInfo:
    """Put the archive into the blob store as a stream and close the temporary file."""
    try:
        return storage.put(key, written.file, content_type="application/zip")
    finally:
        written.file.close()


KIND_LABELS = {
    "evidence": mark("pdf", "evidence"),
    "document": mark("pdf", "served documents"),
    "certificate": mark("pdf", "service certificates"),
    "timeline": mark("pdf", "case timeline"),
    "data": mark("pdf", "personal data"),
    "minutes": mark("pdf", "Minutes"),
}


def kind_label(kind: str) -> str:
    """A kind of material as the index names it (Chinese); an unknown kind stays its code."""
    return pdf.words(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def render_html(title: str, header: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    """A human-readable index in Chinese: one row per file with its title, origin, date, size and SHA-256."""
    esc = html.escape
    facts = "".join(
        f"<tr><th>{esc(str(label))}</th><td>{esc(str(value))}</td></tr>"
        for label, value in header.get("summary", {}).items()
    )
    differs = pdf.words(mark("pdf", " (differs from the recorded value)"))
    rows = "".join(
        "<tr>"
        f"<td>{number}</td><td>{esc(kind_label(e['kind']))}</td><td>{esc(e['title'])}</td>"
        f"<td>{esc(e['origin'])}</td><td>{esc(e['date'] or '—')}</td><td>{e['size']}</td>"
        f"<td><code>{e['sha256']}</code>{'' if e.get('matches_record', True) else esc(differs)}</td>"
        f"<td>{esc(e['path'])}</td></tr>"
        for number, e in enumerate(entries, start=1)
    )
    headings = [
        mark("pdf", "No."),
        mark("pdf", "Kind"),
        mark("pdf", "Title"),
        mark("pdf", "Origin"),
        mark("pdf", "Date"),
        mark("pdf", "Size (bytes)"),
        mark("pdf", "SHA-256"),
        mark("pdf", "File"),
    ]
    listed = pdf.words(mark("pdf", "List of materials (%(count)s in all)"), count=len(entries))
    note = pdf.words(
        mark("pdf", "Each item's SHA-256 can be checked with any checksum tool; index.json holds the same content.")
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head><body><h1>{esc(title)}</h1>"
        f"<table>{facts}</table><h2>{esc(listed)}</h2>"
        "<table border=1><tr>" + "".join(f"<th>{esc(pdf.words(text))}</th>" for text in headings) + "</tr>"
        f"{rows}</table><p>{esc(note)}</p></body></html>"
    )
