"""Signing the minutes: each participant in person, the same verified signing as the mediation agreement.

A party signs only as themselves (not through a lawyer), real-name verified, with a verified name matching their
party's: the rule is mediation's agreement signing rule itself (`app.mediation.signer_parties`). The signer names the
SHA-256 they read; a different one is 409 video.minutes_changed. Signing twice is 409 video.minutes_already_signed
(the unique row makes a concurrent double-tap one signature). A refusal is recorded with its reason and counts as
answered (拒绝签名的，记明情况附卷). When every required signer has answered, the minutes freeze: the text's SHA-256
stays, a PDF is rendered and stored with its own SHA-256, and the case's timeline says so.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import log as audit
from app.cases import Case, timeline
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db, storage
from app.i18n import label, mark, message
from app.i18n.messages import SEPARATORS
from app.identity import User
from app.integrations import pdf
from app.mediation import signer_parties
from app.security.permissions import Principal
from app.utils import clock
from app.video import access, events, minutes_pdf
from app.video import minutes as minutes_core
from app.video.models import SessionMinutes, SessionMinutesSignature

# A signer's role as the frozen minutes name it (catalogue context "pdf", Chinese: docs/i18n.md).
ROLE_LABELS = {
    "mediator": mark("pdf", "mediator"),
    "judge": mark("pdf", "judge"),
    "clerk": mark("pdf", "clerk"),
    "party": mark("pdf", "party"),
}


def sign(*, session_id: uuid.UUID, actor: Principal, sha256: str) -> dict:
    """Sign the minutes as hashed."""
    return _answer(session_id=session_id, actor=actor, sha256=sha256, decision="signed", reason=None)


def refuse(*, session_id: uuid.UUID, actor: Principal, sha256: str, reason: str) -> dict:
    """Refuse to sign, with the reason (recorded; the minutes still freeze when everyone has answered)."""
    if not reason.strip():
        raise ValidationFailed(errors={"reason": ["A refusal needs a reason."]})
    return _answer(session_id=session_id, actor=actor, sha256=sha256, decision="refused", reason=reason.strip())


def _answer(*, session_id: uuid.UUID, actor: Principal, sha256: str, decision: str, reason: str | None) -> dict:
    session, case, facts = access.load(session_id, actor, lock=True)
    minutes = minutes_core.of_session(session.id, lock=True)
    if minutes is None:
        raise minutes_core.not_found()
    if minutes.status != "signing":
        raise Conflict(
            f"The minutes are {minutes.status}.",
            reason="video.minutes_not_signable",
            errors={"status": [minutes.status]},
        )
    if str(actor.user_id) not in (minutes.required_user_ids or []):
        raise Forbidden("You are not asked to sign these minutes.", reason="video.not_a_signer")
    if minutes_core.sha256_of(minutes.text) != minutes.sha256:
        raise Conflict("The minutes' text does not match its hash.", reason="video.minutes_integrity")
    if sha256.lower() != minutes.sha256:
        raise Conflict("The minutes changed since you read them.", reason="video.minutes_changed")
    person = access.participants(session, case, facts).get(actor.user_id) if actor.user_id else None
    role = person.role if person else "party"
    verified_name = _verified_name(case, actor) if role == "party" else None
    if db.session.scalar(
        select(SessionMinutesSignature.id).where(
            SessionMinutesSignature.minutes_id == minutes.id, SessionMinutesSignature.user_id == actor.user_id
        )
    ):
        raise Conflict("You have already answered.", reason="video.minutes_already_signed")
    now = clock.now()
    db.session.add(
        SessionMinutesSignature(
            minutes_id=minutes.id,
            user_id=actor.user_id,
            role=role,
            decision=decision,
            reason=reason,
            minutes_sha256=minutes.sha256,
            minutes_version=minutes.version,
            verified_name=verified_name,
            at=now,
        )
    )
    data = {"session_id": str(session.id), "minutes_id": str(minutes.id), "sha256": minutes.sha256, "role": role}
    event = "video.minutes_signed" if decision == "signed" else "video.minutes_refused"
    who = label("party.role", role)
    if decision == "signed":
        summary = message("a %(role)s signed the minutes", role=who)
    else:
        summary = message("a %(role)s refused to sign the minutes", role=who)
    timeline.record(case, event, actor=actor, actor_role=role, summary=summary, reason=reason, data=data)
    audit.record(event, actor=actor, object_type="session_minutes", object_id=minutes.id, details=data)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("You have already answered.", reason="video.minutes_already_signed") from None
    _freeze_when_complete(case, session, minutes, actor)
    db.session.commit()
    events.after_commit()
    return minutes_core.view_of(minutes, actor=actor)


def _verified_name(case: Case, actor: Principal) -> str | None:
    """Mediation's signing rule: the caller is the party in person, real-name verified, the name matching."""
    try:
        signer_parties(case, actor)  # the agreement's own rule, shared
    except Forbidden as refused:  # the same refusal, in the minutes' words (literals: the catalogue has them)
        if refused.reason == "agreement.identity_mismatch":
            raise Forbidden(
                "Your verified name does not match the party's name.", reason="video.identity_mismatch"
            ) from None
        if refused.reason == "agreement.identity_not_verified":
            raise Forbidden("Verify your real name before signing.", reason="video.identity_not_verified") from None
        raise Forbidden(
            "Each party signs the minutes in person, from their own account.", reason="video.not_a_party"
        ) from None
    user = db.session.get_one(User, actor.user_id)
    return user.real_name


def _freeze_when_complete(case: Case, session, minutes: SessionMinutes, actor: Principal) -> None:
    rows = list(
        db.session.scalars(select(SessionMinutesSignature).where(SessionMinutesSignature.minutes_id == minutes.id))
    )
    if {str(r.user_id) for r in rows} < set(minutes.required_user_ids or []):
        return
    names = access.party_names(case)
    labels = []
    for row in sorted(rows, key=lambda r: r.at):
        label = pdf.words(ROLE_LABELS[row.role]) if row.role in ROLE_LABELS else row.role
        if row.role == "party":
            label += f" {row.verified_name or ''}"
        labels.append({"label": label, "decision": row.decision, "reason": row.reason, "at": _local(row.at)})
    mode = pdf.words(mark("pdf", "video")) if session.mode == "video" else session.mode
    header = [
        pdf.words(mark("pdf", "Case number: %(number)s"), number=case.case_number or "—"),
        pdf.words(mark("pdf", "Parties: %(names)s"), names=SEPARATORS[pdf.DOCUMENT_LANGUAGE].join(names.values())),
        pdf.words(
            mark("pdf", "Time: %(start)s to %(end)s (Beijing time)"),
            start=_local(session.starts_at),
            end=_local(session.ends_at),
        ),
        pdf.words(mark("pdf", "Mode: %(mode)s"), mode=mode),
    ]
    body = minutes_pdf.render(
        kind=session.kind, header=header, text=minutes.text, sha256=minutes.sha256, signatures=labels
    )
    key = f"video/minutes/{case.id}/{minutes.id}.pdf"
    storage.put(key, body, content_type="application/pdf")
    minutes.pdf_key, minutes.pdf_sha256 = key, minutes_core.sha256_of_bytes(body)
    minutes.status, minutes.frozen_at = "frozen", clock.now()
    data = {
        "session_id": str(session.id),
        "minutes_id": str(minutes.id),
        "sha256": minutes.sha256,
        "pdf_sha256": minutes.pdf_sha256,
    }
    timeline.record(
        case,
        "video.minutes_frozen",
        actor=actor,
        actor_role="system",
        summary=message("every signer answered: the minutes are frozen"),
        data=data,
    )
    audit.record("video.minutes_frozen", actor=actor, object_type="session_minutes", object_id=minutes.id, details=data)
    events.publish(case, "video.minutes_frozen", {**data, "kind": session.kind})


def _local(value) -> str:
    return value.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
