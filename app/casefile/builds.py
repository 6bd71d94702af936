"""The life of an archive build: request (idempotent, one row per requester), the background build, the link.

queued -> building -> ready | failed; a ready archive past its retention is deleted (expired). A request whose
fingerprint matches the row's answers the row as it is; a changed fingerprint (the case changed) or a failed or
expired row starts a new generation. The job claims the row with a lease, so only one build runs per row; a build
that finishes for a generation that is no longer the row's is discarded and the row is built again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.casefile import archive
from app.casefile.models import ArchiveBuild
from app.errors import AppError, NotFound
from app.extensions import db, storage
from app.platform import jobs, settings
from app.security.permissions import Principal
from app.utils import clock

log = logging.getLogger(__name__)
LIVE = ("queued", "building")
STALE_QUEUE_SECONDS = 120


@dataclasses.dataclass(frozen=True)
class Produced:
    """What a producer hands the builder: the members in order, the index header, the title and file name."""

    members: Iterable[archive.Member]
    header: dict
    title: str
    filename: str
    sidecar: bytes | None = None  # stored beside the ZIP as .json (the personal-data export's plain JSON)


Producer = Callable[[ArchiveBuild], Produced]


def not_found() -> NotFound:
    """Unknown builds and other people's builds look the same."""
    return NotFound("No such archive.", reason="archive.not_found")


def request(
    *,
    kind: str,
    subject_key: str,
    actor: Principal,
    manifest: dict,
    fingerprint: str,
    task: str,
    case_id: uuid.UUID | None = None,
) -> ArchiveBuild:
    """The requester's build of this subject, (re)queued when what it must hold changed; committed and enqueued."""
    row = _locked(kind, subject_key, actor.scope)
    if row is None:
        row = ArchiveBuild(
            kind=kind,
            subject_key=subject_key,
            owner_key=actor.scope,
            case_id=case_id,
            requested_by_user_id=actor.user_id,
            status="queued",
            generation=1,
            fingerprint=fingerprint,
            manifest=manifest,
            requested_at=clock.now(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # the same requester asked twice at once: use that row
            row = _locked(kind, subject_key, actor.scope)
            assert row is not None
            return _refresh(row, manifest=manifest, fingerprint=fingerprint, task=task)
        return _enqueue(row, task)
    return _refresh(row, manifest=manifest, fingerprint=fingerprint, task=task)


def _enqueue(row: ArchiveBuild, task: str) -> ArchiveBuild:
    """Commit, start the job, and let the answer show what the job did if it ran in-process (JOBS_EAGER)."""
    build_id = row.id
    db.session.commit()
    jobs.enqueue(task, str(build_id))
    db.session.expire(row)
    return row


def _locked(kind: str, subject_key: str, owner_key: str) -> ArchiveBuild | None:
    query = select(ArchiveBuild).where(
        ArchiveBuild.kind == kind, ArchiveBuild.subject_key == subject_key, ArchiveBuild.owner_key == owner_key
    )
    return db.session.scalar(query.with_for_update().execution_options(populate_existing=True))


def _refresh(row: ArchiveBuild, *, manifest: dict, fingerprint: str, task: str) -> ArchiveBuild:
    unchanged = row.fingerprint == fingerprint
    if unchanged and row.status in LIVE:
        db.session.commit()
        return row
    if unchanged and row.status == "ready" and row.object_key and storage.head(row.object_key) is not None:
        db.session.commit()
        return row
    row.generation += 1
    row.status, row.fingerprint, row.manifest = "queued", fingerprint, manifest
    row.requested_at, row.error, row.finished_at = clock.now(), None, None
    return _enqueue(row, task)


def load_own(build_id: uuid.UUID, *, actor: Principal, kinds: tuple[str, ...]) -> ArchiveBuild:
    """A build the caller requested (404 for anyone else, as for an unknown id)."""
    row = db.session.get(ArchiveBuild, build_id, populate_existing=True)
    if row is None or row.kind not in kinds or row.owner_key != actor.scope:
        raise not_found()
    return row


def link(row: ArchiveBuild) -> tuple[str, dt.datetime] | None:
    """A short-lived download link to a ready archive (ARCHIVE_LINK_EXPIRES_SECONDS), or None."""
    if row.status != "ready" or not row.object_key:
        return None
    lifetime = int(settings.archives().link_expires_seconds)
    url = storage.download_url(
        row.object_key, filename=row.filename or "archive.zip", content_type="application/zip", expires_in=lifetime
    )
    return url, clock.now() + dt.timedelta(seconds=lifetime)


def run(build_id: uuid.UUID, produce: Producer, *, task: str) -> str:
    """Claim the row, write the archive, store it and mark it ready (or failed); returns the row's status."""
    generation = _claim(build_id)
    if generation is None:
        return "skipped"
    row = db.session.get(ArchiveBuild, build_id)
    assert row is not None
    key = f"archives/{row.kind}/{row.id}/{generation}-{uuid.uuid4().hex[:12]}.zip"
    try:
        produced = produce(row)
        written = archive.write(produced.members, header=produced.header, title=produced.title)
        count = len(written.entries)
        size, sha256 = written.size, written.sha256
        archive.store(written, key)
        if produced.sidecar is not None:
            storage.put(sidecar_key(key), produced.sidecar, content_type="application/json")
    except Exception as exc:  # noqa: BLE001 - any failure is the build's, recorded on the row
        db.session.rollback()
        log.warning("archive build failed", extra={"build_id": str(build_id), "error": type(exc).__name__})
        return _finish_failed(build_id, generation, exc)
    return _finish_ready(
        build_id, generation, key=key, size=size, sha256=sha256, count=count, produced=produced, task=task
    )


def _claim(build_id: uuid.UUID) -> int | None:
    now = clock.now()
    lease = dt.timedelta(seconds=int(settings.archives().build_lease_seconds))
    claimable = or_(
        ArchiveBuild.status == "queued",
        (ArchiveBuild.status == "building") & (ArchiveBuild.lease_until < now),
    )
    result = db.session.execute(
        update(ArchiveBuild)
        .where(ArchiveBuild.id == build_id, claimable)
        .values(status="building", started_at=now, lease_until=now + lease, attempts=ArchiveBuild.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult
        db.session.rollback()
        return None
    generation = db.session.scalar(select(ArchiveBuild.generation).where(ArchiveBuild.id == build_id))
    db.session.commit()
    return generation


def _finish_ready(
    build_id: uuid.UUID, generation: int, *, key: str, size: int, sha256: str, count: int, produced: Produced, task: str
) -> str:
    row = db.session.scalar(
        select(ArchiveBuild)
        .where(ArchiveBuild.id == build_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.generation != generation:  # asked again for newer contents meanwhile: build those
        db.session.commit()
        _delete(key)
        if row is not None:
            _requeue(row.id, task)
        return "superseded"
    previous = row.object_key
    row.status, row.object_key, row.size, row.sha256, row.item_count = "ready", key, size, sha256, count
    row.filename, row.finished_at, row.lease_until, row.error = produced.filename, clock.now(), None, None
    db.session.commit()
    if previous and previous != key:
        _delete(previous)
    return "ready"


def sidecar_key(key: str) -> str:
    """Where the JSON beside a ZIP is kept."""
    return key.removesuffix(".zip") + ".json"


def _delete(key: str) -> None:
    storage.delete(key)
    storage.delete(sidecar_key(key))


def sidecar_link(row: ArchiveBuild, *, filename: str) -> str | None:
    """A short-lived link to the JSON kept beside a ready archive, or None."""
    if row.status != "ready" or not row.object_key:
        return None
    lifetime = int(settings.archives().link_expires_seconds)
    key = sidecar_key(row.object_key)
    if storage.head(key) is None:
        return None
    return storage.download_url(key, filename=filename, content_type="application/json", expires_in=lifetime)


def discard_owner(owner_key: str) -> int:
    """Delete every archive a requester had built (their account is closing); the caller commits."""
    rows = list(db.session.scalars(select(ArchiveBuild).where(ArchiveBuild.owner_key == owner_key)))
    for row in rows:
        if row.object_key:
            _delete(row.object_key)
        db.session.delete(row)
    return len(rows)


def _requeue(build_id: uuid.UUID, task: str) -> None:
    db.session.execute(
        update(ArchiveBuild)
        .where(ArchiveBuild.id == build_id, ArchiveBuild.status == "building")
        .values(status="queued", lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    jobs.enqueue(task, str(build_id))


def _finish_failed(build_id: uuid.UUID, generation: int, exc: Exception) -> str:
    message = exc.message if isinstance(exc, AppError) else type(exc).__name__
    db.session.execute(
        update(ArchiveBuild)
        .where(ArchiveBuild.id == build_id, ArchiveBuild.generation == generation, ArchiveBuild.status == "building")
        .values(status="failed", error=str(message)[:255], finished_at=clock.now(), lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return "failed"


def sweep(tasks: dict[str, str], *, batch: int = 200) -> int:
    """Re-enqueue builds whose job was lost; delete archives past their retention (status expired)."""
    now = clock.now()
    touched = 0
    stale = now - dt.timedelta(seconds=STALE_QUEUE_SECONDS)
    lost = select(ArchiveBuild.id, ArchiveBuild.kind).where(
        or_(
            (ArchiveBuild.status == "queued") & (ArchiveBuild.updated_at < stale),
            (ArchiveBuild.status == "building") & (ArchiveBuild.lease_until < now),
        )
    )
    for build_id, kind in db.session.execute(lost.limit(batch)).all():
        jobs.enqueue(tasks[kind], str(build_id))
        touched += 1
    cutoff = now - dt.timedelta(hours=int(settings.archives().retention_hours))
    old = select(ArchiveBuild).where(ArchiveBuild.status == "ready", ArchiveBuild.finished_at < cutoff)
    for row in db.session.scalars(old.limit(batch).with_for_update(skip_locked=True)):
        if row.object_key:
            _delete(row.object_key)
        row.status, row.object_key = "expired", None
        touched += 1
    db.session.commit()
    return touched
