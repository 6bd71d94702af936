"""The case file in hand (卷宗): request it, follow its build, download it; and the producer the job runs.

A party or their lawyer gets what they may see of the case; the court's staff get the full file. The archive
holds the evidence files, the served documents, a service certificate for each delivered document and the
timeline, and the materials other domains provide (the frozen minutes, 笔录/, from app.video), with index.json
and 目录.html giving each item's title, origin, date, size and SHA-256.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterator
from typing import Any

from app.audit import log as audit
from app.casefile import archive, builds, contents, providers
from app.casefile.models import ArchiveBuild
from app.cases import Case, timeline
from app.documents import ServedDocument
from app.documents import certificate as documents_certificate
from app.errors import NotFound
from app.extensions import db
from app.i18n import mark
from app.integrations import pdf
from app.security.permissions import Principal
from app.utils import clock

TASK = "microcourt.casefile.build"
PARTY, COURT = "case_file", "case_file_court"
EXTENSIONS = {"application/pdf": "pdf", "application/ofd": "ofd", "image/jpeg": "jpg", "image/png": "png"}


def request_case_file(*, case_id: uuid.UUID, actor: Principal, full: bool = False) -> dict:
    """Queue (or answer the existing) build of the caller's case file; the phone polls the returned status."""
    case, facts = contents.request_facts(case_id, actor=actor, full=full)
    content = contents.manifest(case, facts, actor=actor, full=full)
    kind = COURT if full else PARTY
    audit.record(
        "casefile.requested",
        actor=actor,
        object_type="case",
        object_id=case.id,
        details={"scope": "full" if full else "party", "evidence": len(content["evidence"])},
    )
    row = builds.request(
        kind=kind,
        subject_key=str(case.id),
        actor=actor,
        manifest=content,
        fingerprint=contents.fingerprint(content),
        task=TASK,
        case_id=case.id,
    )
    return status_view(row, actor=actor)


def build_status(*, build_id: uuid.UUID, actor: Principal, full: bool = False) -> dict:
    """The build's status; once ready, with a download link that lives ARCHIVE_LINK_EXPIRES_SECONDS."""
    row = builds.load_own(build_id, actor=actor, kinds=(COURT,) if full else (PARTY,))
    if row.case_id is None:
        raise builds.not_found()
    try:  # the requester may have lost the case since (a lawyer revoked, a clerk moved): their file goes with it
        contents.request_facts(row.case_id, actor=actor, full=full)
    except NotFound:
        raise builds.not_found() from None
    return status_view(row, actor=actor)


def status_view(row: ArchiveBuild, *, actor: Principal) -> dict:
    """The status resource; handing out a link is recorded in the audit log."""
    view: dict[str, Any] = {
        "build_id": row.id,
        "case_id": row.case_id,
        "scope": "full" if row.kind == COURT else "party",
        "status": row.status,
        "requested_at": row.requested_at,
        "finished_at": row.finished_at,
        "item_count": row.item_count,
        "size": row.size,
        "sha256": row.sha256,
        "error": row.error,
        "download_url": None,
        "download_expires_at": None,
        "poll_after_seconds": 2 if row.status in builds.LIVE else None,
    }
    issued = builds.link(row)
    if issued is not None:
        view["download_url"], view["download_expires_at"] = issued
        audit.record_now(
            "casefile.link_issued",
            actor=actor,
            object_type="archive",
            object_id=row.id,
            details={"case_id": str(row.case_id), "sha256": row.sha256},
        )
    return view


def run_build(build_id: uuid.UUID) -> str:
    """The job: build the archive of one row (see builds.run)."""
    return builds.run(build_id, produce, task=TASK)


def produce(row: ArchiveBuild) -> builds.Produced:
    """The members of a case file, from the manifest fixed at request time (timeline and certificates as now)."""
    content = row.manifest
    case = db.session.get(Case, uuid.UUID(content["case_id"]))
    if case is None:
        raise LookupError("case gone")
    court = contents.court_label(case)
    number = case.case_number or "—"
    header = {
        "format": "microcourt.case-file/1",
        "build_id": str(row.id),
        "case_id": str(case.id),
        "case_number": case.case_number,
        "scope": "full" if content["full"] else "party",
        "generated_at": clock.now().isoformat(),
        "summary": {  # the case file is Chinese whoever asks (docs/i18n.md): its words from the catalogue
            pdf.words(mark("pdf", "Case number")): number,
            pdf.words(mark("pdf", "Case")): case.title,
            pdf.words(mark("pdf", "Court")): court,
            pdf.words(mark("pdf", "Scope")): pdf.words(
                mark("pdf", "all materials (court)") if content["full"] else mark("pdf", "materials this side may see")
            ),
            pdf.words(mark("pdf", "Generated at")): clock.now_shanghai().strftime("%Y-%m-%d %H:%M:%S"),
        },
    }
    title = pdf.words(mark("pdf", "Case materials %(number)s"), number=number)
    filename = pdf.words(mark("pdf", "case-materials-%(number)s.zip"), number=case.case_number or str(case.id)[:8])
    return builds.Produced(_members(case, content, court), header, title, filename)


def _members(case: Case, content: dict, court: str) -> Iterator[archive.Member]:
    for number, item in enumerate(content["evidence"], start=1):
        origin = pdf.words(mark("pdf", "submitted by the %(role)s"), role=pdf.party_role(item["party_role"]))
        yield archive.Member(
            path=f"{archive.kind_label('evidence')}/{number:03d}_{safe_name(item['filename'])}",
            title=item["title"],
            origin=origin + (pdf.words(mark("pdf", " (this side)")) if item["own_side"] else ""),
            date=item["submitted_at"] or item["stored_at"],
            kind="evidence",
            chunks=archive.blob_chunks(item["key"]),
            recorded_sha256=item["sha256"],
        )
    for number, item in enumerate(content["documents"], start=1):
        extension = EXTENSIONS.get(item["content_type"] or "", "pdf")
        recipient = pdf.party_role(item["party_role"])
        yield archive.Member(
            path=f"{archive.kind_label('document')}/{number:03d}_{safe_name(item['title'])}.{extension}",
            title=item["title"],
            origin=pdf.words(mark("pdf", "%(court)s (served on the %(role)s)"), court=court, role=recipient),
            date=item["delivered_at"],
            kind="document",
            chunks=archive.blob_chunks(item["key"]),
            recorded_sha256=item["sha256"],
        )
    for number, item in enumerate(content["documents"], start=1):
        document = db.session.get(ServedDocument, uuid.UUID(item["id"]))
        if document is None or not item["delivered"]:
            continue
        body = pdf.render_service_certificate(documents_certificate.certificate_data(document))
        folder = archive.kind_label("certificate")
        yield archive.Member(
            path=f"{folder}/{number:03d}_{safe_name(item['title'])}_{folder}.pdf",
            title=pdf.words(mark("pdf", 'Electronic service certificate of "%(title)s"'), title=item["title"]),
            origin=pdf.words(mark("pdf", "Micro Court electronic service platform")),
            date=clock.now().isoformat(),
            kind="certificate",
            chunks=[body],
        )
    yield from _provided(content)
    events = [  # the archive is Chinese (案件时间线): each entry's words rendered in Chinese
        {**(row := timeline.read(event, "zh")), "at": row["at"].isoformat()} for event in timeline.events_for(case)
    ]
    yield archive.Member(
        path=f"{archive.kind_label('timeline')}.json",
        title=archive.kind_label("timeline"),
        origin=court,
        date=events[-1]["at"] if events else None,
        kind="timeline",
        chunks=[json.dumps(events, ensure_ascii=False, indent=2).encode()],
        compress=True,
    )


def _provided(content: dict) -> Iterator[archive.Member]:
    """Other domains' materials (the frozen minutes in 笔录/), each in its provider's folder, hash checked."""
    for part in providers.sections():
        for number, item in enumerate(content.get(part.name) or [], start=1):
            yield archive.Member(
                path=f"{part.folder}/{number:03d}_{safe_name(item['title'])}.{item.get('extension') or 'pdf'}",
                title=item["title"],
                origin=item.get("origin_label") or item["origin"],
                date=item.get("date"),
                kind=part.kind,
                chunks=archive.blob_chunks(item["key"]),
                recorded_sha256=item.get("sha256"),
            )


def safe_name(name: str, *, limit: int = 80) -> str:
    """A file name safe inside a ZIP on any system: no separators, control or format characters, not too long."""
    cleaned = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if ch.isprintable() and unicodedata.category(ch) != "Cf" and ch not in '/\\:*?"<>|'
    ).strip(" .")
    return (cleaned or "file")[:limit]
