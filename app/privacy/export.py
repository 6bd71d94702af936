"""The personal-data export (PIPL Art. 45): requested from the phone, built in the background like a case file,
downloaded as a ZIP (the JSON with an index of its SHA-256) or as the plain JSON, through short-lived links."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from app.audit import log as audit
from app.casefile import ArchiveBuild, archive, builds
from app.errors import NotFound
from app.privacy import data
from app.security import permissions
from app.security.permissions import Principal
from app.utils import clock

TASK = "microcourt.privacy.build"
KIND = "personal_data"
DATA_FILE = "个人信息.json"


def _user_id(actor: Principal) -> uuid.UUID:
    if not permissions.is_user(actor) or actor.user_id is None:
        raise NotFound("Not found.", reason="resource.not_found")
    return actor.user_id


def request_export(*, actor: Principal) -> dict:
    """Queue (or answer the unchanged) export of everything held about the caller."""
    user_id = _user_id(actor)
    body = json.dumps(data.collect(user_id, for_fingerprint=True), sort_keys=True, ensure_ascii=False, default=str)
    audit.record("privacy.export_requested", actor=actor, object_type="user", object_id=user_id)
    row = builds.request(
        kind=KIND,
        subject_key=str(user_id),
        actor=actor,
        manifest={"user_id": str(user_id)},
        fingerprint=hashlib.sha256(body.encode()).hexdigest(),
        task=TASK,
    )
    return status_view(row, actor=actor)


def export_status(*, build_id: uuid.UUID, actor: Principal) -> dict:
    """The export's status; once ready, links to the ZIP and to the JSON."""
    _user_id(actor)
    return status_view(builds.load_own(build_id, actor=actor, kinds=(KIND,)), actor=actor)


def status_view(row: ArchiveBuild, *, actor: Principal) -> dict:
    """The status resource (handing out links is recorded in the audit log)."""
    view: dict[str, Any] = {
        "build_id": row.id,
        "status": row.status,
        "requested_at": row.requested_at,
        "finished_at": row.finished_at,
        "item_count": row.item_count,
        "size": row.size,
        "sha256": row.sha256,
        "error": row.error,
        "download_url": None,
        "download_expires_at": None,
        "json_url": None,
        "poll_after_seconds": 2 if row.status in builds.LIVE else None,
    }
    issued = builds.link(row)
    if issued is not None:
        view["download_url"], view["download_expires_at"] = issued
        view["json_url"] = builds.sidecar_link(row, filename=DATA_FILE)
        audit.record_now("privacy.export_link_issued", actor=actor, object_type="user", object_id=actor.user_id)
    return view


def run_build(build_id: uuid.UUID) -> str:
    """The job: build one export."""
    return builds.run(build_id, produce, task=TASK)


def produce(row: ArchiveBuild) -> builds.Produced:
    """The export's members: one JSON file with everything, plus the index."""
    user_id = uuid.UUID(row.manifest["user_id"])
    body = json.dumps(data.collect(user_id), ensure_ascii=False, indent=2, default=str).encode()
    now = clock.now_shanghai()
    header = {
        "format": "microcourt.personal-data-export/1",
        "build_id": str(row.id),
        "user_id": str(user_id),
        "generated_at": clock.now().isoformat(),
        "summary": {
            "内容": "本人在微法院平台的个人信息（个人信息保护法第四十五条）",
            "生成时间": f"{now:%Y-%m-%d %H:%M:%S}",
        },
    }
    member = archive.Member(
        path=DATA_FILE,
        title="个人信息（全部）",
        origin="微法院平台",
        date=clock.now().isoformat(),
        kind="data",
        chunks=[body],
        compress=True,
    )
    return builds.Produced([member], header, "个人信息导出", f"个人信息-{now:%Y%m%d}.zip", sidecar=body)
