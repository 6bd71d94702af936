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
from app.storage.base import BlobInfo

SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 256 * 1024
INDEX_JSON = "index.json"
INDEX_HTML = "目录.html"


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
    "evidence": "证据",
    "document": "送达文书",
    "certificate": "送达凭证",
    "timeline": "案件时间线",
    "data": "个人信息",
    "minutes": "笔录",
}


def render_html(title: str, header: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    """A human-readable index in Chinese: one row per file with its title, origin, date, size and SHA-256."""
    esc = html.escape
    facts = "".join(
        f"<tr><th>{esc(str(label))}</th><td>{esc(str(value))}</td></tr>"
        for label, value in header.get("summary", {}).items()
    )
    rows = "".join(
        "<tr>"
        f"<td>{number}</td><td>{esc(KIND_LABELS.get(e['kind'], e['kind']))}</td><td>{esc(e['title'])}</td>"
        f"<td>{esc(e['origin'])}</td><td>{esc(e['date'] or '—')}</td><td>{e['size']}</td>"
        f"<td><code>{e['sha256']}</code>{'' if e.get('matches_record', True) else '（与登记值不符）'}</td>"
        f"<td>{esc(e['path'])}</td></tr>"
        for number, e in enumerate(entries, start=1)
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head><body><h1>{esc(title)}</h1>"
        f"<table>{facts}</table><h2>材料清单（共 {len(entries)} 件）</h2>"
        "<table border=1><tr><th>序号</th><th>类别</th><th>名称</th><th>来源</th><th>日期</th>"
        "<th>大小（字节）</th><th>SHA-256</th><th>文件</th></tr>"
        f"{rows}</table><p>每件材料的 SHA-256 可用任何校验工具核对；index.json 载有同样内容。</p></body></html>"
    )
