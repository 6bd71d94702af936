"""Cloud recordings: the provider's reference, our own copy with its SHA-256 and custody, who may watch, retention.

A recording callback registers the file (provider file id, URL, duration, size, hash if given) as `pending`; the
`microcourt.video.copy_recording` job streams the provider's file into the blob store (only from hosts in
VIDEO_RECORDING_HOSTS, at most VIDEO_RECORDING_MAX_BYTES), hashing as it goes; a size or hash that disagrees with
the provider's marks it `failed` (integrity) and nothing is kept. Custody events (registered, copied, watched,
expired) go into the row, the audit log and the case's timeline. Whoever may read the case may watch, through a
short-lived download link. The sweep retries lost copies and deletes copies past VIDEO_RECORDING_RETENTION_DAYS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import urllib.parse
import uuid

import requests
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.cases import Case, timeline
from app.errors import Conflict, NotFound
from app.extensions import db, storage
from app.i18n import label, message
from app.platform import settings
from app.security.permissions import Principal
from app.utils import clock
from app.video import access, events
from app.video.models import VideoRecording, VideoRoom

LEASE = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 5
CHUNK = 256 * 1024


def register(room: VideoRoom, info: dict) -> uuid.UUID | None:
    """Store a recording reference from a callback (once per file id); returns its id when a copy is due."""
    raw = info.get("Payload")
    payload: dict = raw if isinstance(raw, dict) else {}
    file_id = str(payload.get("FileId") or payload.get("FileName") or "")[:128]
    url = str(payload.get("VideoUrl") or payload.get("FileUrl") or "")[:1000]
    if not file_id or not url or int(payload.get("Status", 0) or 0) != 0:
        return None
    start, end = payload.get("StartTimeStamp"), payload.get("EndTimeStamp")
    duration = (int(end) - int(start)) // 1000 if isinstance(start, int) and isinstance(end, int) else None
    provider_hash = None
    if payload.get("Sha256"):
        provider_hash = f"sha256:{str(payload['Sha256']).lower()}"
    elif payload.get("Md5"):
        provider_hash = f"md5:{str(payload['Md5']).lower()}"
    size = payload.get("Size")
    row = VideoRecording(
        session_id=room.session_id,
        case_id=room.case_id,
        provider=room.provider,
        file_id=file_id,
        source_url=url,
        duration_seconds=duration,
        provider_size=int(size) if isinstance(size, int) else None,
        provider_hash=provider_hash,
        status="pending",
        attempts=0,
        custody=[{"at": clock.now().isoformat(), "action": "registered", "by": "provider"}],
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None  # the same file again (another event type naming it): already registered
    case = db.session.get_one(Case, room.case_id)
    data = {"recording_id": str(row.id), "session_id": str(room.session_id), "file_id": file_id}
    timeline.record(
        case,
        "video.recording_registered",
        actor=None,
        actor_role="system",
        summary=message("recording received"),
        data=data,
    )
    audit.record("video.recording_registered", object_type="video_recording", object_id=row.id, details=data)
    return row.id


def _allowed(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return False
    return any(
        host == h.lstrip(".") or (h.startswith(".") and host.endswith(h)) for h in settings.video().recording_hosts
    )


def copy(recording_id: uuid.UUID) -> str:
    """Copy one pending recording into the store (claimed with a lease; a second worker finds it taken)."""
    now = clock.now()
    claimed = db.session.execute(
        update(VideoRecording)
        .where(
            VideoRecording.id == recording_id,
            or_(
                VideoRecording.status == "pending",
                (VideoRecording.status == "copying") & (VideoRecording.updated_at < now - LEASE),
            ),
        )
        .values(status="copying", attempts=VideoRecording.attempts + 1, updated_at=now)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult; Session.execute is typed as Result
    db.session.commit()
    if not claimed:
        return "skipped"
    row = db.session.get_one(VideoRecording, recording_id)
    try:
        outcome = _download_and_store(row)
    except (requests.RequestException, OSError) as exc:
        row.status = "pending" if row.attempts < MAX_ATTEMPTS else "failed"
        row.error = f"download failed: {type(exc).__name__}"[:500]
        db.session.commit()
        return row.status
    db.session.commit()
    events.after_commit()
    return outcome


def _download_and_store(row: VideoRecording) -> str:
    config = settings.video()
    if not _allowed(row.source_url):
        return _fail(row, "the recording URL is not on an allowed host")
    digest, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
        with requests.get(row.source_url, stream=True, timeout=config.download_timeout_seconds) as response:
            if response.status_code != 200:
                raise requests.HTTPError(f"HTTP {response.status_code}")
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > config.recording_max_bytes:
                    return _fail(row, "the recording is larger than VIDEO_RECORDING_MAX_BYTES")
                digest.update(chunk)
                md5.update(chunk)
                buffer.write(chunk)
        sha256 = digest.hexdigest()
        if row.provider_size is not None and row.provider_size != size:
            return _fail(row, f"size {size} differs from the provider's {row.provider_size}")
        expected = {"sha256": sha256, "md5": md5.hexdigest()}
        if row.provider_hash:
            algo, _, value = row.provider_hash.partition(":")
            if expected.get(algo) != value:
                return _fail(row, f"{algo} differs from the provider's")
        buffer.seek(0)
        key = f"video/{row.case_id}/{row.session_id}/{row.id}.mp4"
        storage.put(key, buffer, content_type="video/mp4")
    now = clock.now()
    row.status, row.storage_key, row.sha256, row.size_bytes, row.stored_at = "stored", key, sha256, size, now
    row.expires_at = now + dt.timedelta(days=config.recording_retention_days)
    row.error = None
    _custody(row, "copied", "system", sha256=sha256)
    data = {"session_id": str(row.session_id), "recording_id": str(row.id), "sha256": sha256, "size": size}
    events.publish(db.session.get_one(Case, row.case_id), "video.recording_stored", data)
    return "stored"


def _fail(row: VideoRecording, why: str) -> str:
    row.status, row.error = "failed", why[:500]
    _custody(row, "integrity_failed", "system")
    return "failed"


def _custody(row: VideoRecording, action: str, by: str, *, sha256: str | None = None) -> None:
    entry = {"at": clock.now().isoformat(), "action": action, "by": by, **({"sha256": sha256} if sha256 else {})}
    row.custody = [*(row.custody or []), entry]
    data = {"recording_id": str(row.id), "session_id": str(row.session_id), "action": action, "sha256": sha256}
    case = db.session.get_one(Case, row.case_id)
    timeline.record(
        case,
        f"video.recording_{action}",
        actor=None,
        actor_role="system",
        summary=message("recording %(action)s", action=label("recording.action", action)),
        data=data,
    )
    audit.record(f"video.recording_{action}", object_type="video_recording", object_id=row.id, details=data)


def of_session(*, session_id: uuid.UUID, actor: Principal) -> list[VideoRecording]:
    """A session's recordings, for whoever may read its case."""
    session, _case, _facts = access.load(session_id, actor)
    query = select(VideoRecording).where(VideoRecording.session_id == session.id)
    return list(db.session.scalars(query.order_by(VideoRecording.created_at)))


def link(*, recording_id: uuid.UUID, actor: Principal) -> dict:
    """A short-lived link to watch a stored recording (audited as a custody event)."""
    row = db.session.get(VideoRecording, recording_id)
    if row is None:
        raise NotFound("No such recording.", reason="video.recording_not_found")
    try:
        access.load(row.session_id, actor)
    except NotFound:
        raise NotFound("No such recording.", reason="video.recording_not_found") from None
    if row.status != "stored" or not row.storage_key:
        raise Conflict(
            f"The recording is {row.status}.", reason="video.recording_not_stored", errors={"status": [row.status]}
        )
    lifetime = settings.storage().download_url_expires_seconds
    url = storage.download_url(
        row.storage_key, filename=f"recording-{row.id}.mp4", content_type="video/mp4", expires_in=lifetime
    )
    _custody(row, "watched", str(actor.user_id or actor.subject))
    db.session.commit()
    return {"url": url, "expires_at": clock.now() + dt.timedelta(seconds=lifetime), "sha256": row.sha256}


def sweep(copy_task: str) -> dict:
    """Re-enqueue lost copies; delete stored copies past retention (audited). Returns counts."""
    from app.platform import jobs

    now = clock.now()
    stale = db.session.scalars(
        select(VideoRecording.id).where(
            or_(
                (VideoRecording.status == "pending") & (VideoRecording.updated_at < now - dt.timedelta(minutes=5)),
                (VideoRecording.status == "copying") & (VideoRecording.updated_at < now - LEASE),
            )
        )
    ).all()
    expired = list(
        db.session.scalars(
            select(VideoRecording).where(VideoRecording.status == "stored", VideoRecording.expires_at < now)
        )
    )
    for row in expired:
        if row.storage_key:
            storage.delete(row.storage_key)
        row.status, row.deleted_at = "expired", now
        _custody(row, "expired", "system", sha256=row.sha256)
    db.session.commit()
    for recording_id in stale:
        jobs.enqueue(copy_task, str(recording_id))
    return {"requeued": len(stale), "expired": len(expired)}
