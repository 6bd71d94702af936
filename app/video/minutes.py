"""The minutes (笔录) of a session: the mediator, judge or clerk writes them (a draft, every save a new version),
opens them for signing (the signers are fixed then: the session's staff and every joined party), and everyone
reads them; signing and freezing are in `minutes_signing`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case, timeline
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db, storage
from app.i18n import Message, message
from app.platform import settings
from app.security.permissions import CaseFacts, Principal
from app.utils import clock
from app.video import access
from app.video.models import SessionMinutes, SessionMinutesSignature, SessionMinutesVersion

MAX_CHARS = 50_000


def sha256_of(text: str) -> str:
    """The SHA-256 of the minutes' text as stored (UTF-8)."""
    return hashlib.sha256(text.encode()).hexdigest()


def sha256_of_bytes(data: bytes) -> str:
    """The SHA-256 of stored bytes (the PDF)."""
    return hashlib.sha256(data).hexdigest()


def not_found() -> NotFound:
    return NotFound("The session has no minutes yet.", reason="video.minutes_not_found")


def of_session(session_id: uuid.UUID, *, lock: bool = False) -> SessionMinutes | None:
    query = select(SessionMinutes).where(SessionMinutes.session_id == session_id)
    return db.session.scalar(query.with_for_update() if lock else query)


def _require_writer(actor: Principal, session, case: Case, facts: CaseFacts) -> None:
    if not access.is_staff(actor, session, case, facts):
        raise Forbidden("Only the session's mediator, judge or clerk writes the minutes.", reason="video.not_staff")


def write(*, session_id: uuid.UUID, actor: Principal, text: str) -> dict:
    """Save the draft (a new version each time); 409 once signing has opened."""
    session, case, facts = access.load(session_id, actor, lock=True)
    _require_writer(actor, session, case, facts)
    text = text.strip()
    if not text or len(text) > MAX_CHARS:
        raise ValidationFailed(errors={"text": [f"1 to {MAX_CHARS} characters."]})
    if session.status == "cancelled":
        raise Conflict("The session was cancelled.", reason="video.session_closed", errors={"status": ["cancelled"]})
    minutes = of_session(session.id, lock=True)
    now, digest = clock.now(), sha256_of(text)
    if minutes is None:
        minutes = SessionMinutes(
            session_id=session.id,
            case_id=case.id,
            status="draft",
            version=1,
            text=text,
            sha256=digest,
            author_user_id=actor.user_id,
            required_user_ids=[],
        )
        db.session.add(minutes)
        db.session.flush()
    elif minutes.status != "draft":
        raise Conflict(
            f"The minutes are {minutes.status}.", reason="video.minutes_locked", errors={"status": [minutes.status]}
        )
    else:
        minutes.version, minutes.text, minutes.sha256 = minutes.version + 1, text, digest
    db.session.add(
        SessionMinutesVersion(
            minutes_id=minutes.id,
            version=minutes.version,
            text=text,
            sha256=digest,
            edited_by=actor.user_id,
            edited_at=now,
        )
    )
    _record(
        case,
        session,
        minutes,
        actor,
        "video.minutes_saved",
        message("minutes saved (version %(version)s)", version=minutes.version),
    )
    db.session.commit()
    return view_of(minutes, actor=actor)


def open_signing(*, session_id: uuid.UUID, actor: Principal) -> dict:
    """Close the draft and ask everyone to sign the text as hashed now."""
    session, case, facts = access.load(session_id, actor, lock=True)
    _require_writer(actor, session, case, facts)
    minutes = of_session(session.id, lock=True)
    if minutes is None:
        raise not_found()
    if minutes.status != "draft":
        raise Conflict(
            f"The minutes are {minutes.status}.", reason="video.minutes_locked", errors={"status": [minutes.status]}
        )
    people = access.participants(session, case, facts)
    minutes.required_user_ids = sorted(str(p.user_id) for p in people.values() if p.role != "lawyer")
    minutes.status = "signing"
    _record(case, session, minutes, actor, "video.minutes_signing", message("minutes opened for signing"))
    db.session.commit()
    return view_of(minutes, actor=actor)


def view(*, session_id: uuid.UUID, actor: Principal) -> dict:
    """The minutes as everyone who may read the case sees them."""
    session, _case, _facts = access.load(session_id, actor)
    minutes = of_session(session.id)
    if minutes is None:
        raise not_found()
    return view_of(minutes, actor=actor)


def view_of(minutes: SessionMinutes, *, actor: Principal) -> dict:
    rows = list(
        db.session.scalars(
            select(SessionMinutesSignature)
            .where(SessionMinutesSignature.minutes_id == minutes.id)
            .order_by(SessionMinutesSignature.at)
        )
    )
    mine = next((r for r in rows if r.user_id == actor.user_id), None)
    return {
        "id": minutes.id,
        "session_id": minutes.session_id,
        "status": minutes.status,
        "version": minutes.version,
        "text": minutes.text,
        "sha256": minutes.sha256,
        "frozen_at": minutes.frozen_at,
        "pdf_sha256": minutes.pdf_sha256,
        "required_signers": len(minutes.required_user_ids or []),
        "must_sign": str(actor.user_id) in (minutes.required_user_ids or []) and mine is None,
        "my_decision": mine.decision if mine else None,
        "signatures": [
            {
                "role": r.role,
                "decision": r.decision,
                "reason": r.reason,
                "at": r.at,
                "is_me": r.user_id == actor.user_id,
            }
            for r in rows
        ],
    }


def pdf_link(*, session_id: uuid.UUID, actor: Principal) -> dict:
    """A short-lived link to the frozen minutes' PDF."""
    session, _case, _facts = access.load(session_id, actor)
    minutes = of_session(session.id)
    if minutes is None:
        raise not_found()
    if minutes.status != "frozen" or not minutes.pdf_key:
        raise Conflict("The minutes are not frozen yet.", reason="video.minutes_not_frozen")
    lifetime = settings.storage().download_url_expires_seconds
    url = storage.download_url(
        minutes.pdf_key, filename=f"minutes-{minutes.id}.pdf", content_type="application/pdf", expires_in=lifetime
    )
    return {"url": url, "expires_at": clock.now() + dt.timedelta(seconds=lifetime), "sha256": minutes.pdf_sha256}


def _record(
    case: Case, session, minutes: SessionMinutes, actor: Principal | None, event: str, summary: Message
) -> None:
    data = {
        "session_id": str(session.id),
        "minutes_id": str(minutes.id),
        "version": minutes.version,
        "sha256": minutes.sha256,
    }
    role = "staff" if actor is not None else "system"
    timeline.record(case, event, actor=actor, actor_role=role, summary=summary, data=data)
    audit.record(event, actor=actor, object_type="session_minutes", object_id=minutes.id, details=data)
